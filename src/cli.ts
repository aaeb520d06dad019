#!/usr/bin/env node
// The vanity command: parses arguments, calls the library, owns exit codes and printing.
//
// Exit codes: 0 done, 1 failure (bad config, cannot listen), 2 usage error.
import { Command, CommanderError, Option } from 'commander';
import { Answerer, HEALTH_PATH } from './answer.js';
import {
  count,
  logFormat,
  maxAge,
  parsePort,
  seconds,
  timeout,
  trustProxyValue,
  urlBytes,
  configPath,
  portFromEnv,
} from './cli-values.js';
import { ExitCode, HealthError, UsageError } from './cli-errors.js';
import { serve } from './cli-serve.js';
import { DEFAULT_MAX_URL_LENGTH } from './app.js';
import { collect, liveCheck, LiveUsageError, strayLiveFlag } from './check/command.js';
import type { LiveFlags } from './check/command.js';
import type { Config } from './config.js';
import { IMPORT_FORMATS, runImport } from './import/command.js';
import type { ImportOptions } from './import/command.js';
import { loadConfigFile } from './load-config.js';
import { ConfigError, formatProblem } from './problems.js';
import type { Problem } from './problems.js';
import { Registry } from './registry.js';
import { Renderer } from './render.js';
import { LISTEN_DEFAULTS } from './serve.js';
import { buildSite } from './site.js';

const MAX_URL = DEFAULT_MAX_URL_LENGTH;
const HEADERS_S = LISTEN_DEFAULTS.headersTimeout / 1000;
const REQUEST_S = LISTEN_DEFAULTS.requestTimeout / 1000;
const IDLE_S = LISTEN_DEFAULTS.keepAliveTimeout / 1000;

function program(): Command {
  const cli = new Command('vanity')
    .description('Serve Go vanity import paths from a vanity.yaml')
    .exitOverride()
    .showHelpAfterError('(run "vanity --help" for usage)');

  cli
    .command('serve')
    .description('answer the go command and browsers for the modules in a config')
    .option(
      '-c, --config <file>',
      'a vanity.yaml to serve; once per domain (default: $VANITY_CONFIG, else ./vanity.yaml)',
      collect,
      [],
    )
    .option('-p, --port <port>', 'port to listen on (default: $PORT, else 8080)', parsePort)
    .option('--listen <host>', 'interface to listen on (default: all)')
    .option('-q, --quiet', 'no line per request; start-up lines and errors stay')
    .option(
      '--trust-proxy [value]',
      'trust X-Forwarded-Host/-For from a proxy: true, hop count, or addresses',
      trustProxyValue,
    )
    .option('--drain-delay <seconds>', 'on SIGTERM, report not ready this long first', seconds, 0)
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, cut busy connections after', seconds, 10)
    .option(
      '--workers <n>',
      'processes sharing the port, one per core is best (default 1)',
      count,
      1,
    )
    .option('--watch', 'reload when a config (or TLS) file changes, as on SIGHUP')
    .option('--tls-cert <file>', 'serve https with this certificate chain (PEM; re-read on SIGHUP)')
    .option('--tls-key <file>', 'the private key for --tls-cert (PEM)')
    .option('--hsts [seconds]', 'send Strict-Transport-Security (default max-age 1 year)', maxAge)
    .option('--hsts-include-subdomains', 'with --hsts: cover every subdomain too')
    .option('--max-url-length <bytes>', 'answer 414 to longer request targets', urlBytes, MAX_URL)
    .option('--headers-timeout <seconds>', 'cut clients slower to send headers', timeout, HEADERS_S)
    .option('--request-timeout <seconds>', 'cut requests still arriving after', timeout, REQUEST_S)
    .option('--keep-alive-timeout <seconds>', 'close idle keep-alive connections', timeout, IDLE_S)
    .option('--log-format <format>', 'text, or json: one object per line', logFormat, 'text')
    .option('--templates <dir>', 'use the .hbs files in this folder instead of the defaults')
    .option('--metrics', 'serve Prometheus metrics at /.well-known/vanity/metrics')
    .option('--metrics-port <port>', 'serve the metrics on this port instead', parsePort)
    .option('--metrics-listen <host>', 'interface for --metrics-port (default: as --listen)')
    .action(serve);

  cli
    .command('health')
    .description('exit 0 when the server on this machine reports healthy (for HEALTHCHECK)')
    .option('-p, --port <port>', 'its port (default: $PORT, else 8080)', parsePort)
    .option('--timeout <seconds>', 'give up after', seconds, 3)
    .action(health);

  cli
    .command('check')
    .description('validate a config and list its modules; exit 1 when it is invalid')
    .option('-c, --config <file>', 'the vanity.yaml to check (default: ./vanity.yaml)')
    .option('--templates <dir>', 'check these templates too (and answer with them for --live)')
    .option('--live [url]', 'check a running deployment: HTTP, TLS, CAA (default: https://HOST)')
    .option('--json', 'with --live: print JSON (schema in the README)')
    .option('--strict', 'with --live: exit 1 on warnings too')
    .option('--warn-days <days>', 'with --live: warn when the certificate expires sooner (21)')
    .option('--fail-days <days>', 'with --live: fail when the certificate expires sooner (7)')
    .option('--platform <name>', 'with --live: where it runs, e.g. netlify, appengine, cloudrun')
    .option('--ca-domain <domain>', 'with --live: a CA your platform uses (repeatable)', collect)
    .option('--ca-file <file>', 'with --live: extra trusted root certificates (PEM)')
    .option('--resolver <ip:port>', "with --live: DNS server for CAA lookups (the system's)")
    .option('--connect <host:port>', "with --live: dial this address for the URL's host")
    .option('--timeout <seconds>', 'with --live: limit for each connection and lookup (5)', seconds)
    .action(check);

  cli
    .command('build')
    .description('write a static site for Netlify: the pages, _redirects and _headers')
    .option('-c, --config <file>', 'the vanity.yaml to build (default: ./vanity.yaml)')
    .option('-o, --out <dir>', 'the folder to write; a folder it wrote before is replaced', 'site')
    .option('--templates <dir>', 'use the .hbs files in this folder instead of the defaults')
    .action(build);

  cli
    .command('import')
    .description('convert a sally.yaml or vangen.json to a vanity.yaml; report what is left out')
    .argument('<file>', 'the sally.yaml or vangen.json to convert')
    .addOption(
      new Option('--from <format>', 'its format (default: told from its keys)').choices(
        IMPORT_FORMATS,
      ),
    )
    .option('-o, --out <file>', 'write the vanity.yaml here, not to stdout')
    .option('--force', 'with --out: replace a file that exists')
    .action(importConfig);
  return cli;
}

async function check(options: { config?: string; templates?: string } & LiveFlags) {
  const stray = options.live === undefined ? strayLiveFlag(options) : undefined;
  if (stray) throw new UsageError(`${stray} only works with --live`);
  const file = configPath(options.config);
  const config = await loadConfigFile(file);
  const renderer = new Renderer(options.templates);
  tryPages(config, renderer);
  if (options.live !== undefined) {
    for (const warning of config.warnings) console.error(`warning: ${formatProblem(warning)}`);
    const code = await liveCheck(config, options, renderer);
    if (code !== 0) throw new ExitCode(code);
    return;
  }
  printModules(config);
  for (const warning of config.warnings) console.error(`warning: ${formatProblem(warning)}`);
  if (!config.host) {
    console.error(`warning: ${file}: host is not set; each request's Host header names the domain`);
  }
}

/** Writes the static site; exit 1 when the config names no host (a site cannot read Host). */
async function build(options: { config?: string; out: string; templates?: string }) {
  const file = configPath(options.config);
  const config = await loadConfigFile(file);
  for (const warning of config.warnings) console.error(`warning: ${formatProblem(warning)}`);

  const answerer = new Answerer(new Registry(config), new Renderer(options.templates));
  const site = await buildSite(answerer, { outDir: options.out });
  console.log(
    `${file}: wrote ${site.outDir} for ${config.host}: ${plural(site.modules, 'module')}, ` +
      `${site.pages} pages, ${site.rules} redirect rules`,
  );
  for (const warning of site.warnings) console.error(`warning: ${warning}`);
}

/** Converts another server's config; exit 1 when something was left out, 2 when unreadable. */
async function importConfig(file: string, options: ImportOptions): Promise<void> {
  const code = await runImport(file, options);
  if (code !== 0) throw new ExitCode(code);
}

/**
 * Renders every page this config makes with these templates, so that a template
 * that fails only on these modules fails here, naming its file, and not at serve.
 */
function tryPages(config: Config, renderer: Renderer): void {
  const answerer = new Answerer(new Registry(config), renderer);
  if (config.host) return;
  const host = 'go.example.org';
  answerer.answer({ method: 'GET', target: '/', host });
  for (const module of answerer.registry.modules) {
    answerer.answer({ method: 'GET', target: `${module.path}?go-get=1`, host });
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function printModules(config: Config): void {
  const host = config.host ?? '<host>';
  const count = config.modules.length;
  const wildcards = config.wildcards?.length ? `, ${config.wildcards.length} wildcard(s)` : '';
  console.log(`${config.file}: ok, ${count} module${count === 1 ? '' : 's'}${wildcards}`);
  const registry = new Registry(config);
  for (const module of [...registry.modules, ...registry.wildcards]) {
    const path = 'pattern' in module ? module.pattern : module.path;
    const importPath = path === '/' ? host : host + path;
    const subdir = module.subdir ? ` ${module.subdir}` : '';
    const hidden = module.hidden ? ' (hidden)' : '';
    console.log(`  ${importPath} ${module.vcs} ${module.repo}${subdir}${hidden}`);
  }
}

/** Asks the local server's health endpoint; exit 1 when it does not answer 200 in time. */
async function health(options: { port?: number; timeout: number }): Promise<void> {
  const port = options.port ?? portFromEnv();
  const url = `http://127.0.0.1:${port}${HEALTH_PATH}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(options.timeout * 1000) });
    if (res.status !== 200) throw new Error(`answered ${res.status}`);
    console.log(`healthy: ${url}`);
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new HealthError(`unhealthy: ${url}: ${reason}`);
  }
}

/** The config to use: --config, else $VANITY_CONFIG, else ./vanity.yaml; never a guess. */
async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return failure(err);
  }
}

function failure(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help asked for is a success; help shown for a missing command is a usage error.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof HealthError) {
    console.error(err.message);
    return 1;
  }
  if (err instanceof ExitCode) return err.code;
  if (err instanceof UsageError || err instanceof LiveUsageError) {
    console.error(`vanity: ${err.message}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    printProblems(err.problems);
    return 1;
  }
  const code = (err as NodeJS.ErrnoException).code;
  const message = (err as Error).message ?? String(err);
  // Node's own messages name their code already ("EADDRINUSE: ..." or "listen EADDRINUSE").
  const prefix = code && !message.includes(code) ? `${code}: ` : '';
  console.error(`vanity: ${prefix}${message}`);
  return 1;
}

const PROBLEMS_SHOWN = 100;

/** Every problem up to a hundred (aliases can repeat one a thousand times), then a count. */
function printProblems(problems: Problem[]): void {
  for (const problem of problems.slice(0, PROBLEMS_SHOWN)) console.error(formatProblem(problem));
  if (problems.length > PROBLEMS_SHOWN) {
    console.error(`... and ${problems.length - PROBLEMS_SHOWN} more`);
  }
  const count = problems.length;
  console.error(`vanity: ${count} problem${count === 1 ? '' : 's'} in the config; fix and rerun`);
}

// exitCode, not exit(): a piped stderr still gets every line written before the end.
process.exitCode = await main(process.argv.slice(2));
