// Prometheus metrics: counts and timings of answers, written in the text format 0.0.4 by hand.
//
// Recording is three Map lookups on keys the answer already holds and a few
// additions per request; nothing is formatted until a scrape. A Snapshot is
// plain data, so the workers of a pool can send theirs to the primary, which
// merges them and writes one page.
import { HEALTH_PATH, isGoGet, makeAnswer, methodNotAllowed } from './answer.js';
import type { Answer, Answering } from './answer.js';

export const METRICS_PATH = '/.well-known/vanity/metrics';
export const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Upper bounds in seconds: answers from memory take tens of microseconds, so
 * the first buckets are below a millisecond; the last ones catch stalls.
 */
export const DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
] as const;

type RequestRow = [kind: string, client: string, module: string, status: number, count: number];
/** Counts per bucket are not cumulative; the last one is past every bound. */
type DurationRow = [kind: string, buckets: number[], sum: number];

/** Plain data, safe to send between processes: what a Metrics has counted so far. */
export interface Snapshot {
  requests: RequestRow[];
  durations: DurationRow[];
  reloads: { ok: number; failed: number };
  /** Modules configured; absent when unknown. */
  modules?: number;
}

interface Series {
  kind: string;
  client: string;
  module: string;
  status: number;
  count: number;
  /** Its kind's histogram, found once with the series. */
  histogram: Histogram;
}

interface Histogram {
  buckets: number[];
  sum: number;
}

const CLIENTS = ['go', 'browser', 'other'];

/** Counts answers and reloads; share one between the app, the fast path and reloads. */
export class Metrics {
  /**
   * Series by kind, then module, then status and client as one number. The
   * keys are strings the answers already hold, so a request builds none
   * (a key built per request cost twenty times as much).
   */
  private readonly requests = new Map<string, Map<string, Map<number, Series>>>();
  private readonly series: Series[] = [];
  private readonly durations = new Map<string, Histogram>();
  private readonly reloads = { ok: 0, failed: 0 };

  /** Counts one answer sent for `target`, begun at `started` (process.hrtime.bigint()). */
  record(answer: Answer, target: string, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const series = this.seriesOf(answer, clientOf(answer, target));
    series.count++;
    observe(series.histogram, seconds);
  }

  /** Counts a config reload that was applied (ok) or refused (the old config kept). */
  reloaded(ok: boolean): void {
    if (ok) this.reloads.ok++;
    else this.reloads.failed++;
  }

  snapshot(modules?: number): Snapshot {
    const snapshot: Snapshot = { requests: [], durations: [], reloads: { ...this.reloads } };
    for (const s of this.series) {
      snapshot.requests.push([s.kind, s.client, s.module, s.status, s.count]);
    }
    for (const [kind, h] of this.durations) snapshot.durations.push([kind, [...h.buckets], h.sum]);
    if (modules !== undefined) snapshot.modules = modules;
    return snapshot;
  }

  /** Labels are bounded: a kind, a client, a configured module (or none) and a status. */
  private seriesOf(answer: Answer, client: number): Series {
    const { kind, status } = answer;
    const module = answer.module ?? '';
    let byModule = this.requests.get(kind);
    if (!byModule) {
      byModule = new Map();
      this.requests.set(kind, byModule);
    }
    let byCode = byModule.get(module);
    if (!byCode) {
      byCode = new Map();
      byModule.set(module, byCode);
    }

    const code = status * CLIENTS.length + client;
    let series = byCode.get(code);
    if (!series) {
      const histogram = this.histogram(kind);
      series = { kind, client: CLIENTS[client] ?? '', module, status, count: 0, histogram };
      byCode.set(code, series);
      this.series.push(series);
    }
    return series;
  }

  private histogram(kind: string): Histogram {
    let histogram = this.durations.get(kind);
    if (!histogram) {
      histogram = { buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0 };
      this.durations.set(kind, histogram);
    }
    return histogram;
  }
}

function observe(histogram: Histogram, seconds: number): void {
  let i = 0;
  while (i < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[i] ?? 0)) i++;
  histogram.buckets[i] = (histogram.buckets[i] ?? 0) + 1;
  histogram.sum += seconds;
}

const GO = 0;
const BROWSER = 1;
const OTHER = 2;

/** Kinds that are not pages: our endpoints, refusals, and git's own requests. */
const NOT_PAGES: ReadonlySet<string> = new Set([
  'health',
  'bad-request',
  'method',
  'too-long',
  'clone',
]);

/**
 * The index in CLIENTS: `go` when a page was asked for with go-get=1 (a hit,
 * or a miss the go command will fail on), `browser` for any other page
 * (people, crawlers, scanners), `other` for the rest.
 */
function clientOf(answer: Answer, target: string): number {
  if (answer.kind === 'go-get') return GO;
  if (answer.kind === 'browser') return BROWSER;
  if (NOT_PAGES.has(answer.kind)) return OTHER;

  const mark = target.indexOf('?');
  return mark >= 0 && isGoGet(target.slice(mark + 1)) ? GO : BROWSER;
}

/** Adds snapshots together: counts and sums add up, the module count is the largest seen. */
export function mergeSnapshots(snapshots: Snapshot[]): Snapshot {
  const requests = new Map<string, RequestRow>();
  const durations = new Map<string, DurationRow>();
  const merged: Snapshot = { requests: [], durations: [], reloads: { ok: 0, failed: 0 } };

  for (const snapshot of snapshots) {
    for (const [kind, client, module, status, count] of snapshot.requests) {
      const key = `${kind} ${client} ${status} ${module}`;
      const series = requests.get(key) ?? [kind, client, module, status, 0];
      series[4] += count;
      requests.set(key, series);
    }
    for (const [kind, buckets, sum] of snapshot.durations) {
      const into = durations.get(kind) ?? [kind, buckets.map(() => 0), 0];
      buckets.forEach((count, i) => (into[1][i] = (into[1][i] ?? 0) + count));
      into[2] += sum;
      durations.set(kind, into);
    }
    merged.reloads.ok += snapshot.reloads.ok;
    merged.reloads.failed += snapshot.reloads.failed;
    if (snapshot.modules !== undefined) {
      merged.modules = Math.max(merged.modules ?? 0, snapshot.modules);
    }
  }
  merged.requests = [...requests.values()];
  merged.durations = [...durations.values()];
  return merged;
}

/** The start of this process, in seconds since the epoch. */
export const PROCESS_START = performance.timeOrigin / 1000;

/** The exposition text: each family's HELP and TYPE, then its samples, in one group. */
export function renderMetrics(snapshot: Snapshot, startTime = PROCESS_START): string {
  const lines: string[] = [];
  family(lines, 'vanity_requests_total', 'counter', 'Requests answered.');
  for (const [kind, client, module, status, count] of snapshot.requests) {
    const labels = { kind, client, module, status: String(status) };
    lines.push(sample('vanity_requests_total', labels, count));
  }

  const duration = 'vanity_request_duration_seconds';
  family(lines, duration, 'histogram', 'Time from a request to its answer written, by kind.');
  for (const [kind, buckets, sum] of snapshot.durations) histogram(lines, kind, buckets, sum);

  const reloads = 'vanity_config_reloads_total';
  family(lines, reloads, 'counter', 'Config reloads, applied (ok) or refused (failed).');
  lines.push(sample(reloads, { result: 'ok' }, snapshot.reloads.ok));
  lines.push(sample(reloads, { result: 'failed' }, snapshot.reloads.failed));

  if (snapshot.modules !== undefined) {
    family(lines, 'vanity_modules', 'gauge', 'Modules configured, over every domain.');
    lines.push(sample('vanity_modules', {}, snapshot.modules));
  }
  const start = 'process_start_time_seconds';
  family(lines, start, 'gauge', 'Start time of the process since the Unix epoch in seconds.');
  lines.push(sample(start, {}, Math.round(startTime * 1000) / 1000));
  return `${lines.join('\n')}\n`;
}

function family(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** Cumulative buckets up to le="+Inf", which equals the count, then the sum and the count. */
function histogram(lines: string[], kind: string, buckets: number[], sum: number): void {
  const name = 'vanity_request_duration_seconds';
  let total = 0;
  DURATION_BUCKETS.forEach((bound, i) => {
    total += buckets[i] ?? 0;
    lines.push(sample(`${name}_bucket`, { kind, le: String(bound) }, total));
  });
  total += buckets[DURATION_BUCKETS.length] ?? 0;
  lines.push(sample(`${name}_bucket`, { kind, le: '+Inf' }, total));
  lines.push(sample(`${name}_sum`, { kind }, sum));
  lines.push(sample(`${name}_count`, { kind }, total));
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([key, text]) => `${key}="${escapeLabel(text)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${value}`;
}

/** The format's three escapes in label values: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

/** The endpoint's answer: GET and HEAD only, never cached; rendered only when it will be sent. */
export function metricsAnswer(method: string, text: () => string): Answer {
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed();
  const headers = { 'Content-Type': METRICS_TYPE, 'Cache-Control': 'no-store' };
  return makeAnswer(200, 'health', Buffer.from(text()), headers);
}

export function isMetricsPath(target: string): boolean {
  return target === METRICS_PATH || target.startsWith(`${METRICS_PATH}?`);
}

/** The modules an Answering serves, read from its health answer so both always agree. */
export function modulesServed(answering: Answering): number | undefined {
  const health = answering.answer({ method: 'GET', target: HEALTH_PATH });
  try {
    const modules = (JSON.parse(health.body.toString()) as { modules?: unknown }).modules;
    return typeof modules === 'number' ? modules : undefined;
  } catch {
    return undefined;
  }
}
