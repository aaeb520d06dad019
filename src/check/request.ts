// One GET to the deployment, as the go command or a browser sends it: no redirects, bounded.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { Target } from './target.js';

export interface Reply {
  status: number;
  location: string | undefined;
  body: string;
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
    signal: AbortSignal.timeout(target.timeoutMs),
  };
  return new Promise((resolve, reject) => {
    const req = send(options, (res) => readReply(res).then(resolve, reject));
    req.once('error', reject);
    req.end();
  });
}

function readReply(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    res.once('error', reject);
    res.once('end', () => {
      const location = res.headers.location;
      const body = Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode ?? 0, location, body });
    });
  });
}
