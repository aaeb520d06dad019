// The Express app: every request handed to answer(), with security headers and a log line.
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Answerer, READY_PATH, readinessAnswer, uriTooLongAnswer, withVary } from './answer.js';
import type { Answer, Answering } from './answer.js';
import { silentLogger } from './log.js';
import type { Logger } from './log.js';
import { isMetricsPath, Metrics, metricsAnswer, modulesServed, renderMetrics } from './metrics.js';
import { Registry } from './registry.js';
import { securityHeaders } from './security.js';

/**
 * The longest request target (path and query) answered, in bytes: 8 KiB, the
 * limit most proxies and CDNs apply. Longer targets get 414 URI Too Long.
 */
export const DEFAULT_MAX_URL_LENGTH = 8192;

/** Log values are clipped to this many characters, so a hostile request cannot bloat the log. */
const LOG_VALUE_MAX = 1024;

/**
 * A registry, a ready Answerer (or Domains over several), or a function giving
 * the current one: swapping what it returns is how a reload takes effect.
 */
export type AnswerSource = Registry | Answering | (() => Answering);

export interface AppOptions {
  /** Request lines and errors go here; silent by default. */
  logger?: Logger;
  /**
   * Trust X-Forwarded-Host and X-Forwarded-For from a proxy in front: Express's
   * `trust proxy` setting (true, a hop count, or addresses and subnets). Off by
   * default, since anyone can send those headers.
   */
  trustProxy?: boolean | number | string;
  /** False while the server drains: the readiness endpoint then answers 503. */
  isReady?: () => boolean;
  /**
   * Send Strict-Transport-Security, only when asked: it binds browsers to https
   * for `maxAge` seconds. Never for subdomains unless `includeSubDomains`.
   */
  hsts?: { maxAge: number; includeSubDomains?: boolean } | undefined;
  /**
   * Request targets longer than this many bytes get 414 URI Too Long; default
   * 8192. Node answers 431 itself once the request line and headers together
   * pass its `maxHeaderSize` (16 KiB by default), before this app sees them.
   */
  maxUrlLength?: number | undefined;
  /**
   * Count requests for Prometheus: `true` for a new Metrics, or one to share
   * (between apps, or to count reloads with `reloaded()`). Off by default.
   */
  metrics?: boolean | Metrics | undefined;
  /** Answer /.well-known/vanity/metrics; true by default when `metrics` is on. */
  metricsEndpoint?: boolean | undefined;
}

/**
 * Builds the Express app that answers for a registry. Mount it anywhere in
 * your own app; only the CLI listens on a port.
 */
export function createApp(source: AnswerSource, options: AppOptions = {}): Express {
  const handling = prepareHandling(source, options);
  const logger = handling.logger;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', options.trustProxy ?? false);

  app.use((req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const answer =
      takeAnswered(req) ?? answerRequest(handling, req, req.originalUrl, requestHost(req, options));
    respond(handling, req, res, answer, started, req.ip);
  });

  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    logger.error('request-failed', {
      method: req.method,
      path: clip(req.url),
      error: err.message,
    });
    if (res.headersSent) return;
    // Our security headers on this answer too, as on every other, and never cached.
    for (const [name, value] of securityHeaders()) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.status(500).type('text/plain').send('Internal server error.\n');
  });
  return app;
}

/** What every way of handling a request shares, resolved once from the options. */
export interface Handling {
  current: () => Answering;
  logger: Logger;
  isReady: () => boolean;
  hsts: string | undefined;
  maxUrlLength: number;
  trustProxy: AppOptions['trustProxy'];
  /** Counts every answer sent; undefined, and so free, when metrics are off. */
  metrics: Metrics | undefined;
  /** The metrics page, when this app serves the endpoint. */
  scrape: (() => string) | undefined;
}

export function prepareHandling(source: AnswerSource, options: AppOptions): Handling {
  const current = toCurrent(source);
  const metrics = options.metrics === true ? new Metrics() : options.metrics || undefined;
  return {
    current,
    logger: options.logger ?? silentLogger,
    isReady: options.isReady ?? (() => true),
    hsts: options.hsts && hstsValue(options.hsts),
    maxUrlLength: urlLimit(options.maxUrlLength),
    trustProxy: options.trustProxy,
    metrics,
    scrape:
      metrics && options.metricsEndpoint !== false
        ? () => renderMetrics(metrics.snapshot(modulesServed(current())))
        : undefined,
  };
}

/** The answer to one request: too long, readiness, or whatever the registry says. */
export function answerRequest(
  handling: Handling,
  req: IncomingMessage,
  fullUrl: string,
  host: string | undefined,
): Answer {
  const request = {
    method: req.method ?? 'GET',
    target: req.url ?? '/',
    host,
    acceptEncoding: req.headers['accept-encoding'],
    accept: req.headers.accept,
    ifNoneMatch: req.headers['if-none-match'],
  };
  // Node reads the target as latin1, one character a byte, so length is size.
  if (fullUrl.length > handling.maxUrlLength) return uriTooLongAnswer(handling.maxUrlLength);
  // One prefix test keeps our own endpoints free for every other request.
  if (request.target.startsWith(OWN_PATHS)) {
    const own = ownAnswer(handling, request.method, request.target);
    if (own) return own;
  }

  const answer = handling.current().answer(request);
  // An answer that depends on the Host depends on what the proxy forwards too.
  if (handling.trustProxy && answer.headers['Vary']?.includes('Host')) {
    return withVary(answer, 'Host', 'X-Forwarded-Host');
  }
  return answer;
}

/** Sends an answer and logs it once the response is finished. */
export function respond(
  handling: Handling,
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  started: bigint,
  client: string | undefined,
): void {
  if (handling.logger.logsRequests) {
    res.on('finish', () => logRequest(handling.logger, req, answer, started, client));
  }
  sendAnswer(res, answer, req.method === 'HEAD', handling.hsts);
  if (handling.metrics) handling.metrics.record(answer, req.url ?? '/', started);
}

const ANSWERED = Symbol('vanity answer');

/** Lets a listener that already answered a request hand it on without answering again. */
export function handOn(req: IncomingMessage, answer: Answer): void {
  (req as IncomingMessage & { [ANSWERED]?: Answer })[ANSWERED] = answer;
}

function takeAnswered(req: IncomingMessage): Answer | undefined {
  return (req as IncomingMessage & { [ANSWERED]?: Answer })[ANSWERED];
}

/**
 * Writes an Answer: status, security headers, its own headers (and HSTS when
 * asked), and the body unless HEAD, in one writeHead from a flat header list.
 */
export function sendAnswer(res: ServerResponse, answer: Answer, head: boolean, hsts?: string) {
  const headers = flatHeaders(answer.headers);
  res.writeHead(answer.status, hsts ? [...headers, 'Strict-Transport-Security', hsts] : headers);
  res.end(head ? undefined : answer.body);
}

let security: string[] | undefined;

function securityFlat(): string[] {
  security ??= securityHeaders().flat();
  return security;
}

/** Answers built once and frozen (module pages) keep their header list too. */
const flattened = new WeakMap<Record<string, string>, string[]>();

function flatHeaders(headers: Record<string, string>): string[] {
  const cached = flattened.get(headers);
  if (cached) return cached;

  const flat = [...securityFlat()];
  for (const name in headers) flat.push(name, headers[name] ?? '');
  // Per-request answers (a redirect's Location) would only fill the map.
  if (Object.isFrozen(headers)) flattened.set(headers, flat);
  return flat;
}

/**
 * Express would take the leftmost X-Forwarded-Host, which the client wrote;
 * the rightmost is the one the proxy in front of us wrote, and only when that
 * proxy is trusted does it replace the Host header.
 */
function requestHost(req: Request, options: AppOptions): string | undefined {
  const forwarded = req.headers['x-forwarded-host'];
  if (!options.trustProxy || typeof forwarded !== 'string') return req.headers.host;

  const trusted = req.app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  if (!trusted(req.socket.remoteAddress ?? '', 0)) return req.headers.host;
  return forwarded.split(',').pop()?.trim() || req.headers.host;
}

/** The URL length limit, checked once when the app is built. */
function urlLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_URL_LENGTH;
  if (Number.isInteger(value) && value > 0) return value;
  throw new Error(`maxUrlLength must be a whole number of bytes above 0, such as 8192: ${value}`);
}

function hstsValue(hsts: NonNullable<AppOptions['hsts']>): string {
  return `max-age=${hsts.maxAge}${hsts.includeSubDomains ? '; includeSubDomains' : ''}`;
}

/** Where our own endpoints live: no module path can have an element starting with a dot. */
const OWN_PATHS = '/.well-known/vanity/';

/** Readiness and metrics belong to the process, not the registry; undefined for the rest. */
function ownAnswer(handling: Handling, method: string, target: string): Answer | undefined {
  if (isReadinessPath(target)) return readinessAnswer(method, handling.isReady());
  if (handling.scrape && isMetricsPath(target)) return metricsAnswer(method, handling.scrape);
  return undefined;
}

function isReadinessPath(target: string): boolean {
  return target === READY_PATH || target.startsWith(`${READY_PATH}?`);
}

function toCurrent(source: AnswerSource): () => Answering {
  if (typeof source === 'function') return source;
  const answering = source instanceof Registry ? new Answerer(source) : source;
  return () => answering;
}

function logRequest(
  logger: Logger,
  req: IncomingMessage,
  answer: Answer,
  started: bigint,
  client: string | undefined,
): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  logger.request({
    method: req.method,
    path: clip(req.url),
    status: answer.status,
    kind: answer.kind,
    module: answer.module,
    ms: Math.round(ms * 100) / 100,
    client,
    ua: clip(req.headers['user-agent']),
  });
}

function clip(value: string | undefined): string | undefined {
  if (value === undefined || value.length <= LOG_VALUE_MAX) return value;
  return `${value.slice(0, LOG_VALUE_MAX)}...(${value.length} bytes)`;
}
