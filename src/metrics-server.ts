// `--metrics-port`: metrics on a port of their own, for one process or added up over a pool.
//
// Each worker of a pool counts its own requests. Only the primary listens on
// the metrics port: at each scrape it asks every worker for a snapshot over
// the cluster channel and writes their sum, so one scrape sees the whole pool.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeAnswer } from './answer.js';
import { sendAnswer } from './app.js';
import type { Logger } from './log.js';
import { mergeSnapshots, METRICS_PATH, metricsAnswer, renderMetrics } from './metrics.js';
import type { Snapshot } from './metrics.js';
import { listen } from './serve.js';
import type { RunningServer } from './serve.js';

export interface MetricsPortOptions {
  port: number;
  /** Interface to bind; all interfaces when undefined. */
  host?: string | undefined;
}

/** A worker that has not answered by then is counted as it was at the last scrape. */
const ASK_TIMEOUT_MS = 2_000;
const ASK = 'vanity:metrics-ask';
const REPLY = 'vanity:metrics-reply';

const NOT_FOUND = Buffer.from(`Not found: metrics are at /metrics and ${METRICS_PATH}.\n`);

/**
 * Serves the metrics port of one process, or, in a pool worker, answers the
 * primary's requests instead (the primary listens). Resolves once listening.
 */
export async function serveMetricsPort(
  snapshot: () => Snapshot,
  options: MetricsPortOptions,
  logger: Logger,
): Promise<RunningServer | undefined> {
  if (cluster.isWorker) {
    answerPrimary(snapshot);
    return undefined;
  }
  return listenMetrics(async () => renderMetrics(snapshot()), options, logger);
}

/**
 * The pool primary's metrics port: the sum of every worker's snapshot. The
 * last snapshot of a worker that died is kept, so counters do not fall back
 * when it is replaced; only what it counted after that scrape is lost.
 */
export async function servePoolMetrics(
  options: MetricsPortOptions,
  logger: Logger,
): Promise<RunningServer> {
  const latest = new Map<number, Snapshot>();
  let retired: Snapshot = { requests: [], durations: [], reloads: { ok: 0, failed: 0 } };

  const scrape = async () => {
    await Promise.all(poolWorkers().map((worker) => refresh(worker, latest)));
    return renderMetrics(mergeSnapshots([retired, ...latest.values()]));
  };
  const running = await listenMetrics(scrape, options, logger);

  cluster.on('exit', (worker: Worker) => {
    const last = latest.get(worker.id);
    latest.delete(worker.id);
    if (last) retired = mergeSnapshots([retired, { ...last, modules: undefined }]);
    // Once runPool has had its turn (it forks a replacement at once), no
    // worker left means the pool is stopping: stop too, so the primary can exit.
    setImmediate(() => {
      if (poolWorkers().length === 0) void running.close({ graceMs: 0 });
    });
  });
  return running;
}

async function listenMetrics(
  scrape: () => Promise<string>,
  options: MetricsPortOptions,
  logger: Logger,
): Promise<RunningServer> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    answerScrape(req, res, scrape).catch((err: Error) => {
      logger.error('metrics-failed', { error: err.message });
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const running = await listen(handler, { port: options.port, host: options.host });
  logger.info('metrics', { address: running.url });
  return running;
}

/** GET or HEAD /metrics (Prometheus's default) or our own path; 404 for anything else. */
async function answerScrape(
  req: IncomingMessage,
  res: ServerResponse,
  scrape: () => Promise<string>,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics' && path !== METRICS_PATH) {
    const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
    return sendAnswer(res, makeAnswer(404, 'miss', NOT_FOUND, headers), method === 'HEAD');
  }

  const text = method === 'GET' || method === 'HEAD' ? await scrape() : '';
  sendAnswer(
    res,
    metricsAnswer(method, () => text),
    method === 'HEAD',
  );
}

/** Asks one worker for its snapshot; keeps the last one when it does not answer in time. */
async function refresh(worker: Worker, latest: Map<number, Snapshot>): Promise<void> {
  const snapshot = await ask(worker);
  // A worker that left meanwhile has been retired; counting it again would double it.
  if (snapshot && cluster.workers?.[worker.id]) latest.set(worker.id, snapshot);
}

let asked = 0;

function ask(worker: Worker): Promise<Snapshot | undefined> {
  const id = ++asked;
  return new Promise((resolve) => {
    const finish = (snapshot: Snapshot | undefined) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(snapshot);
    };
    const onMessage = (message: unknown) => {
      if (isMessage(message, REPLY) && message.id === id) finish(message.snapshot);
    };
    const timer = setTimeout(() => finish(undefined), ASK_TIMEOUT_MS);

    worker.on('message', onMessage);
    // With a callback, a closed channel is reported here instead of thrown as an event.
    worker.send({ type: ASK, id }, (err) => err && finish(undefined));
  });
}

/** In a pool worker: send a snapshot whenever the primary asks. */
function answerPrimary(snapshot: () => Snapshot): void {
  process.on('message', (message: unknown) => {
    if (!isMessage(message, ASK)) return;
    // A channel closing as the worker stops goes to the callback, not to an 'error' event.
    process.send?.({ type: REPLY, id: message.id, snapshot: snapshot() }, () => undefined);
  });
}

interface Message {
  type: string;
  id: number;
  snapshot: Snapshot;
}

function isMessage(message: unknown, type: string): message is Message {
  return typeof message === 'object' && message !== null && (message as Message).type === type;
}

function poolWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
}
