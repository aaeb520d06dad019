// The command-line side of `vanity check --live`: flag values to LiveOptions, the report printed.
//
// Returns the exit code and never exits: only cli.ts does that. A bad flag value
// throws LiveUsageError, which cli.ts turns into exit 2.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Answerer } from '../answer.js';
import type { Renderer } from '../render.js';
import type { Config } from '../config.js';
import { Registry } from '../registry.js';
import { PLATFORMS } from './cas.js';
import { parseLiveUrl, runLiveCheck } from './live.js';
import type { LiveOptions } from './live.js';
import { exitCode, toJson, toText, wantsColour } from './report.js';
import { parseHostPort } from './target.js';

export class LiveUsageError extends Error {}

/** The flags of `check` that only mean something with --live. */
export interface LiveFlags {
  live?: string | boolean;
  json?: boolean;
  strict?: boolean;
  warnDays?: string;
  failDays?: string;
  platform?: string;
  caDomain?: string[];
  caFile?: string;
  resolver?: string;
  connect?: string;
  timeout?: number;
}

export const LIVE_DEFAULTS = { warnDays: 21, failDays: 7, timeoutSeconds: 5 } as const;

/** Repeatable options (--ca-domain a --ca-domain b) collect into a list. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Names a flag given without --live, so that `check --json` is not silently ignored. */
export function strayLiveFlag(flags: LiveFlags): string | undefined {
  const names: [keyof LiveFlags, string][] = [
    ['json', '--json'],
    ['strict', '--strict'],
    ['warnDays', '--warn-days'],
    ['failDays', '--fail-days'],
    ['platform', '--platform'],
    ['caDomain', '--ca-domain'],
    ['caFile', '--ca-file'],
    ['resolver', '--resolver'],
    ['connect', '--connect'],
    ['timeout', '--timeout'],
  ];
  return names.find(([key]) => flags[key] !== undefined)?.[1];
}

export async function liveCheck(
  config: Config,
  flags: LiveFlags,
  renderer?: Renderer,
): Promise<number> {
  const options = await liveOptions(config, flags);
  const report = await runLiveCheck(new Answerer(new Registry(config), renderer), options);
  const text = flags.json
    ? toJson(report, flags.strict === true)
    : toText(report, wantsColour(process.stdout, process.env));
  process.stdout.write(text);
  return exitCode(report.findings, flags.strict === true);
}

export async function liveOptions(config: Config, flags: LiveFlags): Promise<LiveOptions> {
  const warnDays = days(flags.warnDays, '--warn-days', LIVE_DEFAULTS.warnDays);
  const failDays = days(flags.failDays, '--fail-days', LIVE_DEFAULTS.failDays);
  if (failDays > warnDays) {
    throw new LiveUsageError(`--fail-days ${failDays} is more than --warn-days ${warnDays}`);
  }
  const seconds = flags.timeout ?? LIVE_DEFAULTS.timeoutSeconds;
  // Below a tenth of a second nothing answers, and under 1 ms Node's limits turn off.
  if (!(seconds >= 0.1)) throw new LiveUsageError(`--timeout ${seconds}: use at least 0.1 seconds`);
  // An empty value ("--connect ''", an unset variable) is refused, not taken as absent.
  return {
    url: liveUrl(config, flags.live),
    warnDays,
    failDays,
    platform: platform(flags.platform),
    caDomains: (flags.caDomain ?? []).map(caDomain),
    extraCa: flags.caFile !== undefined ? await caFile(flags.caFile) : undefined,
    resolver: flags.resolver !== undefined ? resolver(flags.resolver) : undefined,
    connect: flags.connect !== undefined ? connectTo(flags.connect) : undefined,
    timeoutMs: Math.round(seconds * 1000),
  };
}

function liveUrl(config: Config, live: string | boolean | undefined): string {
  if (typeof live === 'string') {
    try {
      return parseLiveUrl(live).href;
    } catch (err) {
      throw new LiveUsageError(`--live ${(err as Error).message}`);
    }
  }
  if (!config.host) {
    throw new LiveUsageError(`${config.file} sets no host: pass the URL, --live https://HOST`);
  }
  return `https://${config.host}`;
}

function days(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(number <= 3650))
    throw new LiveUsageError(`${flag} "${value}": expected whole days, such as 14`);
  return number;
}

function platform(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const key = value.toLowerCase();
  if (PLATFORMS[key]) return key;
  const known = Object.keys(PLATFORMS).join(', ');
  throw new LiveUsageError(`--platform "${value}" is not one of ${known} (or use --ca-domain)`);
}

function caDomain(value: string): string {
  const domain = value.trim().toLowerCase();
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return domain;
  throw new LiveUsageError(`--ca-domain "${value}" is not a domain such as letsencrypt.org`);
}

async function caFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new LiveUsageError(`--ca-file ${file}: cannot read it (${code})`);
  }
  const problem = pemProblem(text);
  if (problem) throw new LiveUsageError(`--ca-file ${file}: ${problem}`);
  return text;
}

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * What is wrong with a PEM file of certificates, or null. OpenSSL skips a
 * damaged block without a word, and the check would then blame the server's
 * chain ("untrusted CA") for a file that never loaded.
 */
export function pemProblem(text: string): string | null {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  let count = 0;
  for (let begin = lines.indexOf(BEGIN); begin >= 0; begin = lines.indexOf(BEGIN, begin + 1)) {
    count += 1;
    const where = `certificate ${count} (line ${begin + 1})`;
    const end = lines.indexOf(END, begin + 1);
    const next = lines.indexOf(BEGIN, begin + 1);
    const unended = end < 0 || (next >= 0 && next < end);
    const problem = unended ? 'has no END CERTIFICATE line' : blockProblem(lines, begin, end);
    if (problem) return `${where} ${problem}; copy the certificate again`;
  }
  return count === 0 ? 'expected PEM certificates (BEGIN CERTIFICATE)' : null;
}

function blockProblem(lines: readonly string[], begin: number, end: number): string | null {
  const base64 = lines.slice(begin + 1, end).join('');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return 'is not valid base64';
  try {
    new X509Certificate(Buffer.from(base64, 'base64'));
    return null;
  } catch {
    return 'is not a readable X.509 certificate';
  }
}

/** node's DNS client takes an IP address and port: "127.0.0.1:5353", "::1" or "[::1]:5353". */
function resolver(value: string): string {
  const { host, port } = hostPort(value, 53, '--resolver');
  if (!isIP(host)) {
    throw new LiveUsageError(
      `--resolver "${value}": give the DNS server's IP address, such as 127.0.0.1:53`,
    );
  }
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function connectTo(value: string): string {
  hostPort(value, 443, '--connect');
  return value;
}

function hostPort(value: string, port: number, flag: string) {
  try {
    return parseHostPort(value, port);
  } catch (err) {
    throw new LiveUsageError(`${flag} ${(err as Error).message}`);
  }
}
