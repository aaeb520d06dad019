// `vanity serve`: load the configs, listen, reload on SIGHUP or a file change, drain on SIGTERM.
//
// A reload parses and validates every file first and swaps the answers in one
// assignment, so a request sees the old registry or the new one, never a mix;
// a bad file is logged and the good registry keeps serving.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Answering } from './answer.js';
import { createApp, DEFAULT_MAX_URL_LENGTH, prepareHandling } from './app.js';
import { withFastPath } from './fast-path.js';
import type { AppOptions } from './app.js';
import type { Config } from './config.js';
import { answeringFor } from './domains.js';
import { Renderer } from './render.js';
import { loadConfigFile } from './load-config.js';
import type { Logger } from './log.js';
import { Metrics, modulesServed } from './metrics.js';
import { serveMetricsPort } from './metrics-server.js';
import { ConfigError, formatProblem } from './problems.js';
import { listen, maxHeaderSizeFor } from './serve.js';
import type { ListenOptions, RunningServer, TlsFiles } from './serve.js';

export interface ServeCommandOptions {
  configs: string[];
  /** A folder whose .hbs files replace the default templates; re-read on reload. */
  templates?: string | undefined;
  /** Called once the server has drained after SIGTERM or SIGINT; the CLI exits there. */
  onStopped: () => void;
  port: number;
  listen?: string | undefined;
  trustProxy: AppOptions['trustProxy'];
  hsts?: AppOptions['hsts'];
  drainDelay: number;
  shutdownTimeout: number;
  watch: boolean;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  /** Request limits: bytes, then seconds; the defaults of createApp and listen when unset. */
  maxUrlLength?: number | undefined;
  headersTimeout?: number | undefined;
  requestTimeout?: number | undefined;
  keepAliveTimeout?: number | undefined;
  /** Count requests and serve them at /.well-known/vanity/metrics. */
  metrics?: boolean | undefined;
  /** Serve the metrics on this port instead of the main one; turns metrics on. */
  metricsPort?: number | undefined;
  metricsListen?: string | undefined;
}

interface Loaded {
  answering: Answering;
  configs: Config[];
}

/** Starts serving; resolves once listening. Throws ConfigError or a plain Error at start. */
export async function runServe(options: ServeCommandOptions, logger: Logger): Promise<void> {
  let loaded = await loadAll(options.configs, options.templates);
  for (const config of loaded.configs) logWarnings(logger, config);
  const tls = await readTls(options);
  // One Metrics for the fast path, the app and reloads, so each request counts once.
  const metrics = options.metrics || options.metricsPort !== undefined ? new Metrics() : undefined;

  const appOptions = {
    logger,
    trustProxy: options.trustProxy,
    hsts: options.hsts,
    maxUrlLength: options.maxUrlLength,
    metrics,
    metricsEndpoint: options.metricsPort === undefined,
  };
  const isReady = () => !running.draining;
  const source = () => loaded.answering;
  const app = createApp(source, { ...appOptions, isReady });
  const handler = withFastPath(app, prepareHandling(source, { ...appOptions, isReady }));
  const listenOptions = { port: options.port, host: options.listen, tls, ...limits(options) };
  const running = await listen(handler, listenOptions);
  const metricsServer = await startOrClose(running, () =>
    metricsPort(options, metrics, source, logger),
  );
  logStart(logger, loaded.configs, running);

  const reload = serialised(async (reason: string) => {
    const next = await reloadConfigs(options, loaded, reason, logger);
    // reloadConfigs hands back the old registry when it refuses the new files.
    metrics?.reloaded(next !== loaded);
    loaded = next;
    if (tls) await reloadTls(options, running, logger);
  });
  const watchers = options.watch ? watchFiles(watchedFiles(options), reload) : [];
  process.on('SIGHUP', () => reload('SIGHUP'));
  const servers = metricsServer ? [running, metricsServer] : [running];
  const stop = (signal: string) => stopServer(signal, servers, watchers, options, logger);
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * Starts what comes after the main port; if that fails (a metrics port in use),
 * the main port is closed too, so a failed start leaves nothing half serving.
 */
async function startOrClose<T>(running: RunningServer, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await running.close({ delayMs: 0, graceMs: 0 });
    throw err;
  }
}

/** The separate metrics port when asked for; undefined in a pool worker, whose primary listens. */
async function metricsPort(
  options: ServeCommandOptions,
  metrics: Metrics | undefined,
  answering: () => Answering,
  logger: Logger,
): Promise<RunningServer | undefined> {
  if (!metrics || options.metricsPort === undefined) return undefined;
  const snapshot = () => metrics.snapshot(modulesServed(answering()));
  const at = { port: options.metricsPort, host: options.metricsListen ?? options.listen };
  return serveMetricsPort(snapshot, at, logger);
}

/** The flags' limits in the units listen() takes: milliseconds, and header bytes. */
function limits(options: ServeCommandOptions): Partial<ListenOptions> {
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  return {
    headersTimeout: ms(options.headersTimeout),
    requestTimeout: ms(options.requestTimeout),
    keepAliveTimeout: ms(options.keepAliveTimeout),
    // Room above the URL limit, so an over-long target gets our 414, not Node's bare 431.
    maxHeaderSize: maxHeaderSizeFor(options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH),
  };
}

/** Loads and validates the configs without serving; throws ConfigError as a start would. */
export async function checkConfigs(files: string[], templates?: string): Promise<void> {
  await loadAll(files, templates);
}

async function loadAll(files: string[], templates: string | undefined): Promise<Loaded> {
  const configs = await Promise.all(files.map((file) => loadConfigFile(file)));
  // Templates are read with the configs, so a reload picks up an edited template too.
  const { answering, problems } = answeringFor(configs, new Renderer(templates));
  if (problems.length > 0) throw new ConfigError(problems);
  return { answering, configs };
}

/** The new registry when every file is good; otherwise the old one, and the reasons logged. */
async function reloadConfigs(
  options: ServeCommandOptions,
  old: Loaded,
  reason: string,
  logger: Logger,
) {
  try {
    const loaded = await loadAll(options.configs, options.templates);
    logger.info('reloaded', { reason, modules: moduleCount(loaded.configs) });
    for (const config of loaded.configs) logWarnings(logger, config);
    return loaded;
  } catch (err) {
    // A template that does not compile is reported by its own message, file first.
    const problems =
      err instanceof ConfigError ? err.problems.map(formatProblem) : [(err as Error).message];
    logger.error('reload-failed', { reason, problems: problems.length, kept: 'previous config' });
    for (const problem of problems) logger.error('config-problem', { problem });
    return old;
  }
}

async function readTls(options: ServeCommandOptions): Promise<TlsFiles | undefined> {
  if (!options.tlsCert && !options.tlsKey) return undefined;
  if (!options.tlsCert || !options.tlsKey) {
    throw new Error('--tls-cert and --tls-key go together: pass both files');
  }
  const [cert, key] = await Promise.all([
    readNamed(options.tlsCert, '--tls-cert'),
    readNamed(options.tlsKey, '--tls-key'),
  ]);
  return { cert, key };
}

async function readNamed(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new Error(`${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
}

/** Renewed certificates are picked up for new connections; a bad pair keeps the old one. */
async function reloadTls(options: ServeCommandOptions, running: RunningServer, logger: Logger) {
  try {
    const tls = await readTls(options);
    if (tls) running.setTls(tls);
    logger.info('tls-reloaded', { cert: options.tlsCert });
  } catch (err) {
    logger.error('tls-reload-failed', { error: (err as Error).message, kept: 'previous key' });
  }
}

/** Runs one call at a time; calls made meanwhile collapse into one more run. */
function serialised(run: (reason: string) => Promise<void>): (reason: string) => void {
  let running: Promise<void> | undefined;
  let pending: string | undefined;
  const start = (reason: string): void => {
    running = run(reason).finally(() => {
      running = undefined;
      const next = pending;
      pending = undefined;
      if (next !== undefined) start(next);
    });
  };
  return (reason) => {
    if (running) pending = reason;
    else start(reason);
  };
}

function watchedFiles(options: ServeCommandOptions): string[] {
  return [...options.configs, options.tlsCert, options.tlsKey].filter(
    (file): file is string => file !== undefined,
  );
}

/**
 * Watches each file's folder, not the file: editors and secret mounts replace
 * a file by renaming a new one over it, which a watch on the old file misses.
 */
function watchFiles(files: string[], onChange: (reason: string) => void): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  const changed = (file: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(`watch:${file}`), 100);
  };
  return [...new Set(files.map((file) => dirname(file)))].map((dir) =>
    watch(dir, (_event, name) => {
      const file = files.find((f) => dirname(f) === dir && basename(f) === name);
      if (file) changed(file);
    }),
  );
}

function stopServer(
  signal: string,
  servers: RunningServer[],
  watchers: FSWatcher[],
  options: ServeCommandOptions,
  logger: Logger,
): void {
  logger.info('stopping', { signal, drain_delay_s: options.drainDelay });
  for (const watcher of watchers) watcher.close();
  const drain = { delayMs: options.drainDelay * 1000, graceMs: options.shutdownTimeout * 1000 };
  // The metrics port drains with the main one, so it can be scraped until the end.
  void Promise.all(servers.map((server) => server.close(drain))).then(() => {
    logger.info('stopped');
    options.onStopped();
  });
}

function logStart(logger: Logger, configs: Config[], running: RunningServer): void {
  for (const config of configs) {
    logger.info('start', {
      config: config.file,
      modules: config.modules.length,
      ...(config.wildcards?.length ? { wildcards: config.wildcards.length } : {}),
      host: config.host ?? '(from Host header)',
    });
  }
  logger.info('listening', { address: running.url });
}

function logWarnings(logger: Logger, config: Config): void {
  for (const warning of config.warnings) {
    logger.warn('config-warning', { problem: formatProblem(warning) });
  }
}

function moduleCount(configs: Config[]): number {
  return configs.reduce((sum, config) => sum + config.modules.length, 0);
}
