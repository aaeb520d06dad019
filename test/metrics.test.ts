// Prometheus metrics: what is counted, the text format, the endpoint, the separate port, pools.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { answeringFor } from '../src/domains.js';
import { createApp, prepareHandling } from '../src/app.js';
import { withFastPath } from '../src/fast-path.js';
import {
  escapeLabel,
  mergeSnapshots,
  Metrics,
  METRICS_TYPE,
  renderMetrics,
} from '../src/metrics.js';
import type { Snapshot } from '../src/metrics.js';
import { listen } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { registryFrom } from './helpers.js';
import { exited, freePort, waitFor } from './process.js';

const YAML = `host: go.example.org
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
  /otel/sdk:
    repo: https://github.com/open-telemetry/opentelemetry-go-sdk
`;
const registry = registryFrom(YAML);
const METRICS = '/.well-known/vanity/metrics';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/**
 * A strict reader of the text format 0.0.4: every line is a HELP or TYPE
 * comment or `name{labels} value`; a family's lines come in one group, its
 * TYPE before its samples. Throws, naming the line, on anything else.
 */
function parseExposition(text: string): Sample[] {
  if (!text.endsWith('\n')) throw new Error('the last line must end with a line feed');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const done = new Set<string>();
  let current = '';

  const enter = (family: string, line: string) => {
    if (family === current) return;
    if (done.has(family)) throw new Error(`family ${family} split in two groups: ${line}`);
    if (current) done.add(current);
    current = family;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, what, name = '', rest = ''] = comment;
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      enter(name, line);
      if (what === 'TYPE' && (!TYPES.includes(rest) || types.has(name))) {
        throw new Error(`bad or second TYPE: ${line}`);
      }
      if (what === 'TYPE') types.set(name, rest);
      continue;
    }
    const sample = parseSample(line);
    enter(familyOf(sample.name, types), line);
    samples.push(sample);
  }
  return samples;
}

function parseSample(line: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!match) throw new Error(`not a comment or a sample: ${JSON.stringify(line)}`);
  const [, name = '', body = '', raw = ''] = match;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
  if (raw !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value: ${line}`);
  return { name, labels: parseLabels(body, line), value };
}

/** `a="x",b="y\\"z"`: names, then values whose only escapes are \\\\, \\" and \\n. */
function parseLabels(body: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
  while (pair.lastIndex < body.length) {
    const match = pair.exec(body);
    if (!match) throw new Error(`bad labels: ${line}`);
    const [, key = '', value = ''] = match;
    labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** A histogram's _bucket, _sum and _count samples belong to its family. */
function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.get(base) === 'histogram' ? base : name;
}

/** The value of the one sample with this name and these labels (and maybe others). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1)
    throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? NaN;
}

async function scrape(app: Parameters<typeof request>[0]): Promise<Sample[]> {
  const res = await request(app).get(METRICS);
  expect(res.status).toBe(200);
  return parseExposition(res.text);
}

describe('off by default', () => {
  it('has no endpoint: the path is an ordinary miss', async () => {
    const res = await request(createApp(registry)).get(METRICS);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('adds nothing to the handling', () => {
    const handling = prepareHandling(registry, {});
    expect(handling.metrics).toBeUndefined();
    expect(handling.scrape).toBeUndefined();
  });
});

describe('counting with createApp', () => {
  it('counts each answer by kind, client, module and status', async () => {
    const app = createApp(registry, { metrics: true });
    await request(app).get('/otel/sdk/metric?go-get=1');
    await request(app).get('/otel/trace?go-get=1');
    await request(app).get('/otel?tab=doc');
    await request(app).get('/nope?go-get=1');
    await request(app).get('/nope');
    await request(app).get('/');
    await request(app).post('/otel');
    const samples = await scrape(app);

    const total = (labels: Record<string, string>) =>
      valueOf(samples, 'vanity_requests_total', labels);
    expect(total({ kind: 'go-get', client: 'go', module: '/otel/sdk', status: '200' })).toBe(1);
    expect(total({ kind: 'go-get', client: 'go', module: '/otel', status: '200' })).toBe(1);
    expect(total({ kind: 'browser', client: 'browser', module: '/otel', status: '302' })).toBe(1);
    expect(total({ kind: 'miss', client: 'go', module: '', status: '404' })).toBe(1);
    expect(total({ kind: 'miss', client: 'browser', module: '', status: '404' })).toBe(1);
    expect(total({ kind: 'index', client: 'browser', module: '', status: '200' })).toBe(1);
    expect(total({ kind: 'method', client: 'other', module: '', status: '405' })).toBe(1);
    expect(samples.filter((s) => s.name === 'vanity_requests_total')).toHaveLength(7);
  });

  it('times answers in a histogram per kind whose buckets add up to its count', async () => {
    const app = createApp(registry, { metrics: true });
    for (let i = 0; i < 5; i++) await request(app).get(`/otel/p${i}?go-get=1`);
    await request(app).get('/nope');
    const samples = await scrape(app);

    const name = 'vanity_request_duration_seconds';
    expect(valueOf(samples, `${name}_count`, { kind: 'go-get' })).toBe(5);
    expect(valueOf(samples, `${name}_bucket`, { kind: 'go-get', le: '+Inf' })).toBe(5);
    expect(valueOf(samples, `${name}_count`, { kind: 'miss' })).toBe(1);
    expect(valueOf(samples, `${name}_sum`, { kind: 'go-get' })).toBeGreaterThan(0);

    const buckets = samples.filter(
      (s) => s.name === `${name}_bucket` && s.labels.kind === 'go-get',
    );
    const bounds = buckets.map((s) => Number(s.labels.le));
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    expect(bounds[0]).toBeLessThan(0.001);
    const counts = buckets.map((s) => s.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it('reports the modules, process start and reloads', async () => {
    const metrics = new Metrics();
    const app = createApp(registry, { metrics });
    metrics.reloaded(true);
    metrics.reloaded(false);
    metrics.reloaded(false);
    const samples = await scrape(app);

    expect(valueOf(samples, 'vanity_modules')).toBe(2);
    expect(valueOf(samples, 'vanity_config_reloads_total', { result: 'ok' })).toBe(1);
    expect(valueOf(samples, 'vanity_config_reloads_total', { result: 'failed' })).toBe(2);
    const start = valueOf(samples, 'process_start_time_seconds');
    expect(start).toBeLessThanOrEqual(Date.now() / 1000);
    expect(start).toBeGreaterThan(Date.now() / 1000 - 3600);
  });

  it('counts modules over every domain', async () => {
    const configs = [YAML, YAML.replace('go.example.org', 'go.example.net')].map((text) => {
      const parsed = parseConfig(text, 'test.yaml');
      if (!parsed.ok) throw new Error('bad test config');
      return parsed.config;
    });
    const samples = await scrape(createApp(answeringFor(configs).answering, { metrics: true }));
    expect(valueOf(samples, 'vanity_modules')).toBe(4);
  });

  it('counts without serving the endpoint when metricsEndpoint is false', async () => {
    const metrics = new Metrics();
    const app = createApp(registry, { metrics, metricsEndpoint: false });
    const res = await request(app).get(METRICS);
    expect(res.status).toBe(404);

    const samples = parseExposition(renderMetrics(metrics.snapshot()));
    expect(valueOf(samples, 'vanity_requests_total', { kind: 'miss' })).toBe(1);
  });
});

describe('the endpoint', () => {
  const app = createApp(registry, { metrics: true });

  it('answers in the text format, never cached, with the security headers', async () => {
    const res = await request(app).get(`${METRICS}?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(parseExposition(res.text).length).toBeGreaterThan(0);
  });

  it('answers HEAD without a body, and 405 to other methods', async () => {
    const head = await request(app).head(METRICS);
    expect(head.status).toBe(200);
    expect(head.text ?? '').toBe('');
    const post = await request(app).post(METRICS);
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('counts its own scrapes as health answers from other clients', async () => {
    const fresh = createApp(registry, { metrics: true });
    await request(fresh).get(METRICS);
    const samples = await scrape(fresh);
    expect(valueOf(samples, 'vanity_requests_total', { kind: 'health', client: 'other' })).toBe(1);
  });

  it('leaves longer paths below it to the registry', async () => {
    expect((await request(app).get(`${METRICS}/x`)).status).toBe(404);
  });
});

describe('the text format', () => {
  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabel('/otel/sdk')).toBe('/otel/sdk');
  });

  it('writes hostile label values that parse back unchanged', () => {
    const module = '/x"} 1\nfake_metric{a="\\';
    const snapshot: Snapshot = {
      requests: [['miss', 'go', module, 404, 3]],
      durations: [],
      reloads: { ok: 0, failed: 0 },
    };
    const text = renderMetrics(snapshot, 1_700_000_000.5);
    const samples = parseExposition(text);

    expect(valueOf(samples, 'vanity_requests_total', { module })).toBe(3);
    expect(samples.some((s) => s.name === 'fake_metric')).toBe(false);
    expect(valueOf(samples, 'process_start_time_seconds')).toBe(1_700_000_000.5);
    expect(text).not.toContain('vanity_modules');
  });

  it('rejects what breaks the format, so the parser proves something', () => {
    expect(() => parseExposition('a 1')).toThrow(/line feed/);
    expect(() => parseExposition('a{b="x\ny"} 1\n')).toThrow(/not a comment or a sample/);
    expect(() => parseExposition('a{b="x"y"} 1\n')).toThrow(/bad labels/);
    expect(() => parseExposition('a 1\nb 2\na 3\n')).toThrow(/split in two groups/);
    expect(() => parseExposition('a one\n')).toThrow(/bad value/);
  });
});

describe('merging snapshots', () => {
  it('adds counts, buckets, sums and reloads; keeps the largest module count', () => {
    const a = new Metrics();
    const b = new Metrics();
    const hit = { status: 200, kind: 'go-get' as const, headers: {}, body: Buffer.alloc(0) };
    const answer = { ...hit, module: '/otel' };
    a.record(answer, '/otel?go-get=1', process.hrtime.bigint());
    b.record(answer, '/otel/x?go-get=1', process.hrtime.bigint());
    b.reloaded(true);
    const merged = mergeSnapshots([a.snapshot(2), b.snapshot(3)]);

    expect(merged.requests).toEqual([['go-get', 'go', '/otel', 200, 2]]);
    expect(merged.durations[0]?.[1].reduce((x, y) => x + y, 0)).toBe(2);
    expect(merged.reloads).toEqual({ ok: 1, failed: 0 });
    expect(merged.modules).toBe(3);
    expect(a.snapshot().requests[0]?.[4]).toBe(1);
  });
});

describe('through the real listener and its fast path', () => {
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    const options = { metrics: new Metrics() };
    const app = createApp(registry, options);
    server = await listen(withFastPath(app, prepareHandling(registry, options)), {
      port: 0,
      host: '127.0.0.1',
    });
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => server.close({ graceMs: 100 }));

  it('counts each request once, fast or not, and serves the endpoint', async () => {
    for (let i = 0; i < 4; i++) await get(port, `/otel/p${i}?go-get=1`);
    await get(port, '/otel/sdk');
    await get(port, '/nope?go-get=1');
    const res = await get(port, METRICS);
    const samples = parseExposition(res.body);

    expect(res.type).toBe(METRICS_TYPE);
    const total = (labels: Record<string, string>) =>
      valueOf(samples, 'vanity_requests_total', labels);
    expect(total({ kind: 'go-get', module: '/otel' })).toBe(4);
    expect(total({ kind: 'browser', module: '/otel/sdk' })).toBe(1);
    expect(total({ kind: 'miss', client: 'go' })).toBe(1);
  });
});

/** GET over a new connection to loopback, so a pool's round robin spreads them; bounded 5 s. */
function get(port: number, path: string) {
  return new Promise<{ status: number; type: string; body: string }>((done, fail) => {
    const options = { host: '127.0.0.1', port, path, agent: false as const, timeout: 5000 };
    const req = httpRequest({ ...options, headers: { host: 'go.example.org' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        const type = res.headers['content-type'] ?? '';
        done({ status: res.statusCode ?? 0, type, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', fail);
    req.end();
  });
}

describe('vanity serve', () => {
  const CLI = resolve('dist/cli.js');
  const children: ChildProcess[] = [];
  let dir: string;
  let config: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
    dir = mkdtempSync(join(tmpdir(), 'vanity-metrics-'));
    config = join(dir, 'vanity.yaml');
    writeFileSync(config, YAML);
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function serve(args: string[]) {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, '--quiet', ...args]);
    children.push(child);
    const output = { text: '' };
    child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    const main = Number(await waitFor(output, /info listening address=\S+:(\d+)/));
    return { child, output, main };
  }

  const port = (output: { text: string }) => waitFor(output, /info metrics address=\S+:(\d+)/);

  it('serves no metrics without --metrics', async () => {
    const { main } = await serve(['--port', '0', '--listen', '127.0.0.1']);
    expect((await get(main, METRICS)).status).toBe(404);
  });

  it('serves them on the main port with --metrics', async () => {
    const { main } = await serve(['--port', '0', '--listen', '127.0.0.1', '--metrics']);
    await get(main, '/otel?go-get=1');
    const samples = parseExposition((await get(main, METRICS)).body);
    expect(valueOf(samples, 'vanity_requests_total', { kind: 'go-get' })).toBe(1);
  });

  it('serves them only on --metrics-port, and counts reloads', async () => {
    const args = ['--port', '0', '--metrics-port', '0', '--metrics-listen', '127.0.0.1'];
    const { child, output, main } = await serve(args);
    const metrics = Number(await port(output));
    await get(main, '/otel?go-get=1');
    expect((await get(main, METRICS)).status).toBe(404);
    expect((await get(metrics, '/otel')).status).toBe(404);

    writeFileSync(`${config}.bad`, 'paths: [broken\n');
    renameSync(`${config}.bad`, config);
    child.kill('SIGHUP');
    await waitFor(output, /reload-failed/);
    writeFileSync(config, YAML);

    for (const path of ['/metrics', METRICS]) {
      const res = await get(metrics, path);
      expect(res.type).toBe(METRICS_TYPE);
      const samples = parseExposition(res.body);
      expect(valueOf(samples, 'vanity_requests_total', { kind: 'go-get' })).toBe(1);
      expect(valueOf(samples, 'vanity_config_reloads_total', { result: 'failed' })).toBe(1);
    }
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('adds up every worker on the primary with --workers and --metrics-port', async () => {
    const main = await freePort();
    const args = ['--port', String(main), '--listen', '127.0.0.1', '--workers', '2'];
    const { child, output } = await serve([...args, '--metrics-port', '0']);
    await waitFor(output, /listening[\s\S]*listening/);
    const metrics = Number(await port(output));

    // New connections take turns between the workers, so each counts some.
    for (let i = 0; i < 20; i++) await get(main, `/otel/p${i}?go-get=1`);
    const samples = parseExposition((await get(metrics, '/metrics')).body);
    expect(valueOf(samples, 'vanity_requests_total', { kind: 'go-get' })).toBe(20);
    expect(valueOf(samples, 'vanity_request_duration_seconds_count', { kind: 'go-get' })).toBe(20);
    expect(valueOf(samples, 'vanity_modules')).toBe(2);

    // A worker that dies takes nothing back with it: its last snapshot stays counted.
    const pool = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8');
    process.kill(Number(pool.trim().split(' ')[0]), 'SIGKILL');
    await waitFor(output, /worker-died[\s\S]*listening/);
    const after = parseExposition((await get(metrics, '/metrics')).body);
    expect(valueOf(after, 'vanity_requests_total', { kind: 'go-get' })).toBe(20);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // Three processes and a respawn: slow when the whole suite shares two cores.
  }, 45_000);

  it.each([
    [['--metrics-listen', '127.0.0.1'], '--metrics-listen needs --metrics-port'],
    [['--port', '9100', '--metrics-port', '9100'], '--metrics-port must differ'],
  ])('refuses %j', async (args, message) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', config, ...args]);
    children.push(child);
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    expect(await exited(child)).toBe(2);
    expect(text).toContain(message);
  });
});
