// Listens on a port and drains on shutdown; the one place that opens a socket.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenOptions {
  port: number;
  /** Interface to bind; all interfaces when undefined. */
  host?: string | undefined;
}

export interface DrainOptions {
  /** Keep accepting (with readiness 503) this long, so load balancers stop sending. */
  delayMs?: number;
  /** After this long, connections still busy are cut and the close resolves. */
  graceMs?: number;
}

export interface RunningServer {
  server: Server;
  /** The address actually bound, as a URL such as http://127.0.0.1:8080. */
  url: string;
  /** True from the moment close() is called. */
  readonly draining: boolean;
  /** Stops accepting, lets in-flight requests finish, and resolves when all are done. */
  close(options?: DrainOptions): Promise<void>;
}

export function listen(handler: Handler, options: ListenOptions): Promise<RunningServer> {
  let draining = false;

  // While draining, every answer closes its connection, so keep-alive
  // clients reconnect to another instance instead of to one that is leaving.
  const server = createServer((req, res) => {
    if (draining) res.shouldKeepAlive = false;
    handler(req, res);
  });

  const running: RunningServer = {
    server,
    url: '',
    get draining() {
      return draining;
    },
    close: (drain = {}) => {
      draining = true;
      return drainServer(server, drain);
    },
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      running.url = addressUrl(server);
      resolve(running);
    });
  });
}

function addressUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Idle keep-alive sockets go at once; busy ones finish, or are cut after `graceMs`. */
async function drainServer(server: Server, options: DrainOptions): Promise<void> {
  const { delayMs = 0, graceMs = 10_000 } = options;
  if (delayMs > 0) await new Promise((done) => setTimeout(done, delayMs));

  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
