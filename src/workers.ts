// `serve --workers N`: one process per core, sharing the port, each running the whole server.
//
// The primary validates the configs once (so a bad file fails fast with one
// report), forks the workers, forwards SIGHUP and SIGTERM to them, replaces a
// worker that dies on its own, and exits once every worker has drained.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { Logger } from './log.js';

/** Replacements allowed in a minute before the primary gives up on a crashing config. */
const MAX_RESTARTS_PER_MINUTE = 10;

/** True in the primary of a worker pool: it forks and supervises, and serves nothing. */
export function isPoolPrimary(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

export function runPool(count: number, logger: Logger): void {
  let stopping = false;
  const restarts: number[] = [];
  for (let i = 0; i < count; i++) cluster.fork();
  logger.info('workers', { count });

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    if (stopping) return exitWhenAllGone();
    logger.error('worker-died', {
      worker: worker.process.pid,
      code: code ?? undefined,
      signal: signal ?? undefined,
    });
    if (tooManyRestarts(restarts)) {
      logger.error('workers-failing', { restarts: restarts.length, action: 'stopping' });
      stopAll('worker-failures');
      return;
    }
    cluster.fork();
  });

  const stopAll = (signal: string) => {
    stopping = true;
    logger.info('stopping-workers', { signal });
    for (const worker of workers()) worker.process.kill('SIGTERM');
    exitWhenAllGone();
  };
  process.on('SIGHUP', () => {
    for (const worker of workers()) worker.process.kill('SIGHUP');
  });
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  process.once('SIGINT', () => stopAll('SIGINT'));
}

function workers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
}

function exitWhenAllGone(): void {
  if (workers().length === 0) process.exitCode = 0;
}

function tooManyRestarts(restarts: number[]): boolean {
  const now = Date.now();
  restarts.push(now);
  while (restarts.length > 0 && (restarts[0] ?? now) < now - 60_000) restarts.shift();
  return restarts.length > MAX_RESTARTS_PER_MINUTE;
}
