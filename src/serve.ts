// Listens on a port and drains on shutdown; the one place that opens a socket.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';

export interface ListenOptions {
  port: number;
  /** Interface to bind; all interfaces when undefined. */
  host?: string | undefined;
}

export interface RunningServer {
  server: Server;
  /** The address actually bound, as a URL such as http://127.0.0.1:8080. */
  url: string;
  /** Stops accepting, lets in-flight requests finish, and resolves when all are done. */
  close(graceMs?: number): Promise<void>;
}

export function listen(app: Express, options: ListenOptions): Promise<RunningServer> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve({
        server,
        url: addressUrl(server),
        close: (graceMs) => closeServer(server, graceMs),
      });
    });
  });
}

function addressUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Graceful close: idle keep-alive sockets go at once, busy ones after `graceMs`. */
function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
