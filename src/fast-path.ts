// The server's own listener: answers the registry's paths itself, hands the rest to Express.
//
// Express's per-request setup costs most of the time of a tiny answer, so the
// go-get pages and docs redirects, which are nearly all the traffic, skip it,
// and so do the index, folder pages and misses, which crawlers and scanners
// ask for. Both paths take their answer from answerRequest() and send it with
// respond(): the bytes are the same, only the work before them differs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { answerRequest, handOn, respond } from './app.js';
import type { Handling } from './app.js';
import type { Answer, AnswerKind } from './answer.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Answers about the registry's paths; our own endpoints, 405s and the like go to Express. */
const FAST_KINDS: ReadonlySet<AnswerKind> = new Set<AnswerKind>([
  'go-get',
  'browser',
  'clone',
  'index',
  'directory',
  'miss',
]);

/**
 * A request listener that serves the registry's answers directly. With a
 * trusted proxy the Host and client come from Express's proxy rules, so then
 * every request goes to the app.
 */
export function withFastPath(app: Express, handling: Handling): Listener {
  if (handling.trustProxy) return app;

  return (req, res) => {
    const started = process.hrtime.bigint();
    const url = req.url ?? '/';
    let answer: Answer;
    try {
      answer = answerRequest(handling, req, url, req.headers.host);
    } catch {
      // A page that fails to render (a custom template): the app asks again, and its
      // error handler logs the failure and answers 500, where a throw here would end
      // the process.
      app(req, res);
      return;
    }
    if (FAST_KINDS.has(answer.kind)) {
      respond(handling, req, res, answer, started, req.socket.remoteAddress);
      return;
    }
    handOn(req, answer);
    app(req, res);
  };
}
