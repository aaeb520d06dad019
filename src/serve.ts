// Listens on a port and drains on shutdown; the one place that opens a socket.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { badTargetAnswer, methodNotAllowed, splitTarget } from './answer.js';
import { sendAnswer } from './app.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenOptions {
  port: number;
  /** Interface to bind; all interfaces when undefined. */
  host?: string | undefined;
  /** Serve https with this key and certificate chain (PEM). */
  tls?: TlsFiles | undefined;
  /** Cut a client that has not sent all its headers within this many ms (with a 408). */
  headersTimeout?: number | undefined;
  /** Cut a client that has not sent its whole request within this many ms (with a 408). */
  requestTimeout?: number | undefined;
  /** Close a keep-alive connection idle this many ms after an answer. */
  keepAliveTimeout?: number | undefined;
  /** How often, in ms, Node looks for connections past those timeouts. */
  connectionsCheckingInterval?: number | undefined;
  /** Largest request line plus headers, in bytes; Node answers 431 beyond it. */
  maxHeaderSize?: number | undefined;
}

/**
 * Tighter than Node's own (60 s for headers, 300 s for a request, a check every
 * 30 s): a go command or browser sends a GET's headers at once, so a client
 * still sending after 10 s is stalled or hostile, and each one holds a socket.
 * Checking every second keeps the cut-off close to the timeout.
 */
export const LISTEN_DEFAULTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
  maxHeaderSize: 16_384,
} as const;

/** Room left for headers above the request target; 8 KiB holds any real client's. */
const HEADER_ROOM = 8_192;

/**
 * The maxHeaderSize that lets the app answer 414 itself for targets up to its
 * limit and a little past it: never below Node's 16 KiB default. Only targets
 * far past the limit meet Node's bare 431.
 */
export function maxHeaderSizeFor(maxUrlLength: number): number {
  return Math.max(LISTEN_DEFAULTS.maxHeaderSize, maxUrlLength + HEADER_ROOM);
}

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
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
  /** Swaps the key and certificate for new connections (after a renewal); throws if bad. */
  setTls(tls: TlsFiles): void;
  /** Stops accepting, lets in-flight requests finish, and resolves when all are done. */
  close(options?: DrainOptions): Promise<void>;
}

export function listen(handler: Handler, options: ListenOptions): Promise<RunningServer> {
  let draining = false;

  // While draining, every answer closes its connection, so keep-alive
  // clients reconnect to another instance instead of to one that is leaving.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    if (!toOriginForm(req)) {
      // As answer() does: a method other than GET or HEAD is refused before the target.
      const get = req.method === 'GET' || req.method === 'HEAD';
      return sendAnswer(res, get ? badTargetAnswer() : methodNotAllowed(), req.method === 'HEAD');
    }
    handler(req, res);
  };
  const limits = serverLimits(options);
  const server = options.tls
    ? createTlsServer({ ...options.tls, ...limits }, onRequest)
    : createServer(limits, onRequest);
  server.on('connect', refuseConnect);

  const running: RunningServer = {
    server,
    url: '',
    get draining() {
      return draining;
    },
    setTls: (tls) => {
      if (!options.tls) throw new Error('this server was started without TLS');
      (server as TlsServer).setSecureContext(tls);
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

/** The limits Node enforces before any request reaches us; Node throws if they conflict. */
function serverLimits(options: ListenOptions): ServerOptions {
  return {
    headersTimeout: options.headersTimeout ?? LISTEN_DEFAULTS.headersTimeout,
    requestTimeout: options.requestTimeout ?? LISTEN_DEFAULTS.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout ?? LISTEN_DEFAULTS.keepAliveTimeout,
    connectionsCheckingInterval:
      options.connectionsCheckingInterval ?? LISTEN_DEFAULTS.connectionsCheckingInterval,
    maxHeaderSize: options.maxHeaderSize ?? LISTEN_DEFAULTS.maxHeaderSize,
  };
}

/**
 * RFC 9112 (3.2.2): with an absolute-form target the server uses its
 * authority and ignores Host. Rewriting it to origin form here spares every
 * layer below (Express's router among them) a form it reads poorly.
 * False when the target is neither form.
 */
function toOriginForm(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  if (url.startsWith('/')) return true;

  const target = splitTarget(url);
  if (!target) return false;
  req.url = target.query ? `${target.path}?${target.query}` : target.path;
  if (target.authority !== undefined) req.headers.host = target.authority;
  return true;
}

/** CONNECT asks us to be a tunnel; answer it like any other method we do not serve. */
function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  socket.end(
    'HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n' +
      'Content-Length: 0\r\nConnection: close\r\n\r\n',
  );
}

function addressUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scheme = 'setSecureContext' in server ? 'https' : 'http';
  return `${scheme}://${host}:${address.port}`;
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
