// The Express app: every request handed to answer(), with security headers and a log line.
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import { Answerer } from './answer.js';
import type { Answer } from './answer.js';
import { silentLogger } from './log.js';
import type { Logger } from './log.js';
import { Registry } from './registry.js';
import { securityHeaders } from './security.js';

/** A registry, a ready Answerer, or a function giving the current one (for reloads). */
export type AnswerSource = Registry | Answerer | (() => Answerer);

export interface AppOptions {
  /** Request lines and errors go here; silent by default. */
  logger?: Logger;
}

/**
 * Builds the Express app that answers for a registry. Mount it anywhere in
 * your own app; only the CLI listens on a port.
 */
export function createApp(source: AnswerSource, options: AppOptions = {}): Express {
  const current = toCurrent(source);
  const logger = options.logger ?? silentLogger;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    const answer = current().answer({
      method: req.method,
      target: req.url,
      host: req.headers.host,
    });
    res.on('finish', () => logRequest(logger, req, answer, started));
    sendAnswer(res, answer, req.method === 'HEAD');
  });

  app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
    logger.error('request-failed', { method: req.method, path: req.url, error: err.message });
    if (!res.headersSent) res.status(500).type('text/plain').send('Internal server error.\n');
  });
  return app;
}

/** Writes an Answer: its status and headers, the security headers, and the body unless HEAD. */
export function sendAnswer(res: Response, answer: Answer, head: boolean): void {
  res.statusCode = answer.status;
  for (const [name, value] of securityHeaders()) res.setHeader(name, value);
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(head ? undefined : answer.body);
}

function toCurrent(source: AnswerSource): () => Answerer {
  if (typeof source === 'function') return source;
  const answerer = source instanceof Answerer ? source : new Answerer(source);
  return () => answerer;
}

function logRequest(logger: Logger, req: Request, answer: Answer, started: bigint): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  logger.request({
    method: req.method,
    path: req.url,
    status: answer.status,
    kind: answer.kind,
    module: answer.module,
    ms: ms.toFixed(2),
  });
}
