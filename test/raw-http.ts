// Raw HTTP/1.1 over a loopback socket: bytes no well-behaved client would send, and the reply.
import { connect } from 'node:net';

export interface RawReply {
  /** Everything the server sent, read as latin1 (one character a byte). */
  text: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
}

export interface ParsedReply {
  status: number;
  /** Header names in lower case; a repeated header keeps its values joined by ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `chunks` to 127.0.0.1:port, `gapMs` apart (all at once when 0), and
 * resolves with the reply once the server closes. Bounded: the socket is
 * destroyed, and the promise rejected, after `timeoutMs`.
 */
export function rawExchange(
  port: number,
  chunks: Array<string | Buffer>,
  options: { gapMs?: number; timeoutMs?: number } = {},
): Promise<RawReply> {
  const { gapMs = 0, timeoutMs = 5000 } = options;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;

    const writeFrom = (index: number) => {
      if (index >= chunks.length || socket.destroyed) return;
      socket.write(chunks[index] ?? '');
      timer = setTimeout(() => writeFrom(index + 1), gapMs);
    };
    socket.on('connect', () => writeFrom(0));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    // A reset after the server's reply (it closed while we still wrote) still ends the exchange.
    socket.on('error', (err) => (text ? undefined : reject(err)));
    // A deadline from the start, not an idle timeout: a slow writer is never idle.
    const deadline = setTimeout(() => {
      reject(new Error(`the server did not close the connection within ${timeoutMs} ms`));
      socket.destroy();
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(deadline);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
  });
}

/** One request, sent at once; the reply parsed. */
export async function rawRequest(port: number, bytes: string | Buffer): Promise<ParsedReply> {
  return parseReply((await rawExchange(port, [bytes])).text);
}

/** The first response in `text`: status, headers and the rest as body. */
export function parseReply(text: string): ParsedReply {
  const end = text.indexOf('\r\n\r\n');
  const head = end >= 0 ? text.slice(0, end) : text;
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] ([0-9]{3}) /.exec(statusLine)?.[1] ?? NaN);

  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers, body: end >= 0 ? text.slice(end + 4) : '' };
}
