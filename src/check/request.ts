// One GET to the deployment, as the go command or a browser sends it: no redirects, bounded.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { duration } from './target.js';
import type { Target } from './target.js';

export interface Reply {
  status: number;
  location: string | undefined;
  /** The body as read: all of it, or what came before reading stopped (see `cut`). */
  body: string;
  /** Why reading stopped before the body ended, when it did. */
  cut?: string;
}

/** The go command reads only the head of a page; 1 MiB is far more than any answer needs. */
const MAX_BODY = 1024 * 1024;

/** Keeps connections (and TLS sessions) open between the probe's requests; close() when done. */
export function makeAgent(target: Target): HttpAgent {
  const options = { keepAlive: true, maxSockets: 4 };
  return target.https ? new HttpsAgent(options) : new HttpAgent(options);
}

export function get(target: Target, path: string, agent: HttpAgent): Promise<Reply> {
  const send = target.https ? httpsRequest : httpRequest;
  const signal = AbortSignal.timeout(target.timeoutMs);
  // https.request hands these to tls.connect, which takes a prepared secureContext.
  const options: RequestOptions & Pick<ConnectionOptions, 'secureContext'> = {
    host: target.connectHost,
    port: target.connectPort,
    path,
    method: 'GET',
    agent,
    headers: { Host: target.hostHeader, 'User-Agent': 'vanity-check' },
    servername: target.hostname,
    secureContext: target.secureContext,
    // The tls findings judge the certificate; here only the answers matter.
    rejectUnauthorized: false,
    signal,
  };
  return new Promise((resolve, reject) => {
    let stop: ((cut: string) => void) | undefined;
    const req = send(options, (res) => {
      stop = readReply(res, resolve, () => interrupted(signal, target.timeoutMs));
    });
    // Before the answer, an error is the request's; after it, the body stops where it got to.
    req.on('error', (err) => (stop ? stop(interrupted(signal, target.timeoutMs)) : reject(err)));
    req.end();
  });
}

function interrupted(signal: AbortSignal, timeoutMs: number): string {
  return signal.aborted
    ? `the body did not end within ${duration(timeoutMs)}`
    : 'the connection closed before the body ended';
}

/**
 * Reads the body into `resolve`, at most MAX_BODY of it: past that, the
 * response is destroyed, since reading on would only wait for a body that may
 * never end. What was read is judged all the same: the go command stops at
 * the end of the head. Returns the function that stops reading early.
 */
function readReply(
  res: IncomingMessage,
  resolve: (reply: Reply) => void,
  whyStopped: () => string,
): (cut: string) => void {
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  const finish = (cut?: string) => {
    if (done) return;
    done = true;
    const reply: Reply = {
      status: res.statusCode ?? 0,
      location: res.headers.location,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    resolve(cut === undefined ? reply : { ...reply, cut });
  };
  res.on('data', (chunk: Buffer) => {
    const room = MAX_BODY - size;
    chunks.push(chunk.subarray(0, room));
    size += Math.min(room, chunk.length);
    if (chunk.length > room) {
      finish('the body is over 1 MiB: reading stopped there');
      res.destroy();
    }
  });
  res.once('end', () => finish());
  res.on('error', () => finish(whyStopped()));
  res.once('close', () => finish(res.complete ? undefined : whyStopped()));
  return finish;
}
