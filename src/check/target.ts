// Where a live check connects: the URL's host for names (SNI, Host), an address to dial, limits.
import { createSecureContext, rootCertificates } from 'node:tls';
import type { SecureContext } from 'node:tls';

export interface Target {
  url: URL;
  /** The host the deployment answers for: SNI, the Host header, the CAA climb. */
  hostname: string;
  /** The Host header: the hostname, with the port when the URL names one. */
  hostHeader: string;
  https: boolean;
  /** Where to dial: --connect, else the URL's own host and port. */
  connectHost: string;
  connectPort: number;
  /**
   * Node's bundled roots plus --ca-file, parsed once: building this per
   * connection costs tens of milliseconds each.
   */
  secureContext: SecureContext | undefined;
  timeoutMs: number;
}

export interface TargetOptions {
  connect?: string;
  extraCa?: string;
  timeoutMs: number;
}

/** The target for a URL; throws a one-line Error when the URL or --connect is unusable. */
export function makeTarget(url: URL, options: TargetOptions): Target {
  const https = url.protocol === 'https:';
  const defaultPort = https ? 443 : 80;
  const port = url.port ? Number(url.port) : defaultPort;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const dial = options.connect ? parseHostPort(options.connect, port) : { host: hostname, port };
  return {
    url,
    hostname,
    hostHeader: url.host,
    https,
    connectHost: dial.host,
    connectPort: dial.port,
    secureContext: https ? trustedRoots(options.extraCa) : undefined,
    timeoutMs: options.timeoutMs,
  };
}

function trustedRoots(extraCa: string | undefined): SecureContext {
  return createSecureContext({
    ca: extraCa ? [...rootCertificates, extraCa] : [...rootCertificates],
  });
}

/** "host:port", "[::1]:port", or a bare host (then `port`); throws on anything else. */
export function parseHostPort(text: string, port: number): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([0-9]{1,5}))?$/.exec(text.trim());
  const number = match?.[3] === undefined ? port : Number(match[3]);
  if (!match || !(number >= 1 && number <= 65_535)) {
    throw new Error(`"${text}" is not HOST:PORT, such as 127.0.0.1:8443 or [::1]:8443`);
  }
  return { host: match[1] ?? match[2] ?? '', port: number };
}

/** A connection error as one line that says what to look at. */
export function connectProblem(err: unknown, target: Target): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const where = `${target.connectHost}:${target.connectPort}`;
  const seconds = target.timeoutMs / 1000;
  const reasons: Record<string, string> = {
    ECONNREFUSED: `connection refused by ${where}: is the server running there?`,
    ENOTFOUND: `cannot resolve ${target.connectHost}: check the URL, or pass --connect HOST:PORT`,
    EAI_AGAIN: `cannot resolve ${target.connectHost} now (DNS lookup failed); try again`,
    ETIMEDOUT: `no answer from ${where} within ${seconds}s (raise --timeout if it is slow)`,
    ECONNRESET: `${where} closed the connection: is it serving ${target.https ? 'TLS' : 'HTTP'}?`,
    EHOSTUNREACH: `${where} is unreachable from here`,
  };
  const known = reasons[code];
  if (known) return known;
  if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') {
    return reasons.ETIMEDOUT ?? '';
  }
  return `${where}: ${(err as Error).message.split('\n')[0]}`;
}
