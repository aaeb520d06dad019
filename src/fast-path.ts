// The server's own listener: answers module hits itself and hands the rest to the Express app.
//
// Express's per-request setup costs most of the time of a tiny answer, so the
// go-get pages and docs redirects, which are nearly all the traffic, skip it.
// Both paths take their answer from answerRequest() and send it with
// respond(): the bytes are the same, only the work before them differs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { answerRequest, handOn, respond } from './app.js';
import type { Handling } from './app.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A request listener that serves go-get and browser answers directly. With a
 * trusted proxy the Host and client come from Express's proxy rules, so then
 * every request goes to the app.
 */
export function withFastPath(app: Express, handling: Handling): Listener {
  if (handling.trustProxy) return app;

  return (req, res) => {
    const started = process.hrtime.bigint();
    const url = req.url ?? '/';
    const answer = answerRequest(handling, req, url, req.headers.host);
    if (answer.kind === 'go-get' || answer.kind === 'browser') {
      respond(handling, req, res, answer, started, req.socket.remoteAddress);
      return;
    }
    handOn(req, answer);
    app(req, res);
  };
}
