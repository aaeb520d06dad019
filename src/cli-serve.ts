// `vanity serve` on the command line: the flags checked together, then one process or a pool.
import { createLogger } from './log.js';
import type { LogFormat } from './log.js';
import { servePoolMetrics } from './metrics-server.js';
import { checkConfigs, runServe } from './serve-command.js';
import { isPoolPrimary, runPool } from './workers.js';
import { UsageError } from './cli-errors.js';
import { configPath, portFromEnv } from './cli-values.js';

export interface ServeOptions {
  workers: number;
  config: string[];
  port?: number;
  listen?: string;
  quiet?: boolean;
  trustProxy?: boolean | number | string;
  drainDelay: number;
  shutdownTimeout: number;
  watch?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  hsts?: number | true;
  hstsIncludeSubdomains?: boolean;
  maxUrlLength: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  logFormat: LogFormat;
  metrics?: boolean;
  metricsPort?: number;
  metricsListen?: string;
  templates?: string;
}

export async function serve(options: ServeOptions): Promise<void> {
  if (options.headersTimeout > options.requestTimeout) {
    throw new UsageError('--headers-timeout cannot be longer than --request-timeout; lower it');
  }
  const logger = createLogger({ quiet: options.quiet ?? false, format: options.logFormat });
  const configs = options.config.length > 0 ? options.config : [configPath(undefined)];
  const hsts = options.hsts === undefined ? undefined : hstsOption(options);
  const metricsListen = metricsListenOption(options);
  if (isPoolPrimary(options.workers)) {
    await checkConfigs(configs, options.templates);
    // The primary adds up every worker's counts on the metrics port; a port
    // in use fails here, before any worker starts.
    if (options.metricsPort !== undefined) {
      await servePoolMetrics({ port: options.metricsPort, host: metricsListen }, logger);
    }
    runPool(options.workers, logger);
    return;
  }
  await runServe(
    {
      configs,
      templates: options.templates,
      // Only the CLI ends the process; stdout is flushed first.
      onStopped: () => process.stdout.write('', () => process.exit(0)),
      port: options.port ?? portFromEnv(),
      listen: options.listen?.replace(/^\[(.*)\]$/, '$1'),
      trustProxy: options.trustProxy ?? false,
      hsts,
      drainDelay: options.drainDelay,
      shutdownTimeout: options.shutdownTimeout,
      watch: options.watch ?? false,
      tlsCert: options.tlsCert,
      tlsKey: options.tlsKey,
      maxUrlLength: options.maxUrlLength,
      headersTimeout: options.headersTimeout,
      requestTimeout: options.requestTimeout,
      keepAliveTimeout: options.keepAliveTimeout,
      metrics: options.metrics ?? false,
      metricsPort: options.metricsPort,
      metricsListen,
    },
    logger,
  );
}

/** The metrics port's interface: --metrics-listen, else --listen's; only with --metrics-port. */
function metricsListenOption(options: ServeOptions): string | undefined {
  const { metricsPort, metricsListen } = options;
  if (metricsListen !== undefined && metricsPort === undefined) {
    throw new UsageError('--metrics-listen needs --metrics-port: it is where that port listens');
  }
  // Port 0 picks a free port each time, so only a fixed port can clash.
  if (metricsPort && metricsPort === (options.port ?? portFromEnv())) {
    throw new UsageError('--metrics-port must differ from the main port; choose another');
  }
  return (metricsListen ?? options.listen)?.replace(/^\[(.*)\]$/, '$1');
}

const HSTS_DEFAULT_MAX_AGE = 31_536_000;

function hstsOption(options: ServeOptions) {
  if (!options.tlsCert)
    throw new UsageError('--hsts needs --tls-cert and --tls-key: it is for https');
  const maxAge = options.hsts === true ? HSTS_DEFAULT_MAX_AGE : (options.hsts ?? 0);
  return { maxAge, includeSubDomains: options.hstsIncludeSubdomains ?? false };
}
