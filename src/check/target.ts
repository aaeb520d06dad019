// Where a live check connects: the URL's host for names (SNI, Host), an address to dial, limits.
import { isIP } from 'node:net';
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
  // An empty --connect is a mistake to report, not a request to dial the URL's host.
  const dial =
    options.connect !== undefined ? parseHostPort(options.connect, port) : { host: hostname, port };
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

/**
 * "host:port", "[::1]:port", or a bare host or IPv6 address (then `port`);
 * throws on anything else, with `port` in the examples.
 */
export function parseHostPort(text: string, port: number): { host: string; port: number } {
  const trimmed = text.trim();
  // "::1" cannot be read as HOST:PORT; an address with colons is whole, and takes the default.
  if (isIP(trimmed) === 6) return { host: trimmed, port };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::([0-9]{1,5}))?$/.exec(trimmed);
  const number = match?.[3] === undefined ? port : Number(match[3]);
  if (!match || !(number >= 1 && number <= 65_535)) {
    throw new Error(`"${text}" is not HOST:PORT, such as 127.0.0.1:${port} or [::1]:${port}`);
  }
  return { host: match[1] ?? match[2] ?? '', port: number };
}

/** HOST:PORT as people write it: an IPv6 address in brackets, so the port stays apart. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A limit as people say it: "250ms" below a second (not "0.25s", never "0s"), else "1.5s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}

/** A connection error as one line that says what to look at. */
export function connectProblem(err: unknown, target: Target): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const where = formatHostPort(target.connectHost, target.connectPort);
  const tls = target.https ? tlsProblem(err, target, where) : undefined;
  if (tls) return tls;
  const within = duration(target.timeoutMs);
  const reasons: Record<string, string> = {
    ECONNREFUSED: `connection refused by ${where}: is the server running there?`,
    ENOTFOUND: `cannot resolve ${target.connectHost}: check the URL, or pass --connect HOST:PORT`,
    EAI_AGAIN: `cannot resolve ${target.connectHost} now (DNS lookup failed); try again`,
    ETIMEDOUT: `no answer from ${where} within ${within} (raise --timeout if it is slow)`,
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

/** OpenSSL's reasons for a first record that is not TLS at all: plain HTTP, SSH, noise. */
const NOT_TLS = new Set([
  'wrong version number',
  'packet length too long',
  'record layer failure',
  'unknown protocol',
  'http request',
]);

/**
 * A failed handshake in words, or undefined when `err` is not one. OpenSSL's own
 * text ("80EC...:error:0A00010B:SSL routines:ssl3_get_record:...:../deps/...")
 * means nothing to the reader, so only its reason is kept.
 */
function tlsProblem(err: unknown, target: Target, where: string): string | undefined {
  const reason = opensslReason(err);
  if (reason === undefined) return undefined;
  if (NOT_TLS.has(reason)) {
    const plain = `http://${target.url.hostname}:${target.url.port || '443'}`;
    return `the server at ${where} did not answer with TLS (is it plain http? try ${plain})`;
  }
  return `TLS handshake with ${where} failed: ${reason}`;
}

function opensslReason(err: unknown): string | undefined {
  const { reason, message } = err as { reason?: unknown; message?: unknown };
  if (typeof reason === 'string' && reason !== '') return reason.toLowerCase();
  const match = /:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/i.exec(String(message ?? ''));
  return match?.[1]?.toLowerCase();
}
