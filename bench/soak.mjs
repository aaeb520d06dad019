#!/usr/bin/env node
// Soak: a bounded load over loopback on `vanity serve` while its config is
// rewritten and reloaded with SIGHUP every few seconds. Every answer is checked
// against the configs that could be loaded at that moment; the server's RSS is
// sampled every second. Exit 1 on any error, or when memory grew past the limit.
//
//   npm run build && node bench/soak.mjs [--seconds 60] [--reload-every 3]
//       [--connections 32] [--warmup SECONDS] [--json]
//       [--node-options "--max-semi-space-size=16"]   (for the server; "" for none)
//
// `soak()` is exported for the short version in test/soak.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const HOST = 'go.soak.test';
const REQUEST_TIMEOUT_MS = 5000;
// V8's young generation grows with load: to 2 x 16 MiB on Node 20, to 2 x 64 MiB
// on Node 24, in steps over a minute or more. Pinned at Node 20's size, those
// steps cannot pass for a leak; `--node-options ""` runs the server with V8's own.
const SERVER_NODE_OPTIONS = ['--max-semi-space-size=16'];
const RELOAD_CONFIRM_MS = 5000;

/**
 * Two valid registries that differ in repositories and modules, and one
 * invalid file. Modules /c0../c{N-1} are in both (under different orgs, so
 * each answer tells which registry gave it); A alone has /a*, and a module
 * nested in /c0 (/c0/sdk); B alone has /b*.
 */
export function registries(common = 50) {
  const make = (name, org, extra) => {
    const modules = new Map();
    for (let i = 0; i < common; i++) modules.set(`/c${i}`, `https://github.com/${org}/c${i}`);
    for (const [path, repo] of extra) modules.set(path, repo);
    const yaml = [`host: ${HOST}`, 'cache_max_age: 600', 'paths:'];
    for (const [path, repo] of modules) yaml.push(`  ${path}:`, `    repo: ${repo}`);
    return { name, modules, yaml: `${yaml.join('\n')}\n` };
  };
  const A = make('A', 'soak-a', [
    ...Array.from({ length: 5 }, (_, i) => [`/a${i}`, `https://github.com/soak-a/only-a${i}`]),
    ['/c0/sdk', 'https://github.com/soak-a/c0-sdk'],
  ]);
  const B = make(
    'B',
    'soak-b',
    Array.from({ length: 7 }, (_, i) => [`/b${i}`, `https://github.com/soak-b/only-b${i}`]),
  );
  const invalid = `host: ${HOST}\npaths:\n  /c0:\n    rpeo: https://github.com/soak-x/c0\n`;
  return { A, B, invalid, common };
}

/** The module of `path` in a registry: the longest configured whole-segment prefix. */
function moduleOf(registry, path) {
  let best;
  for (const module of registry.modules.keys()) {
    if (
      (path === module || path.startsWith(`${module}/`)) &&
      (!best || module.length > best.length)
    )
      best = module;
  }
  return best;
}

/** A small seeded PRNG (mulberry32), so every run sends the same mix. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['sdk', 'metric', 'trace', 'internal', 'x', 'v2', 'api', 'otlp', 'http', 'grpc'];

/** The next request of the mix: a path, and whether it is the go command's. */
function nextRequest(random, common) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const deep = () => {
    const depth = 1 + Math.floor(random() * 8);
    return Array.from({ length: depth }, () => pick(WORDS)).join('/');
  };
  const r = random();
  const c = Math.floor(random() * common);
  if (r < 0.45) return { kind: 'go-get', path: `/c${c}/${deep()}`, goGet: true };
  if (r < 0.52) return { kind: 'go-get', path: `/c0/sdk/${deep()}`, goGet: true };
  if (r < 0.6) {
    const only = random() < 0.5 ? `/a${Math.floor(random() * 5)}` : `/b${Math.floor(random() * 7)}`;
    return { kind: 'go-get', path: `${only}/${deep()}`, goGet: true };
  }
  if (r < 0.8) return { kind: 'browser', path: `/c${c}/${deep()}`, goGet: false };
  if (r < 0.88) return { kind: 'index', path: '/', goGet: false };
  if (r < 0.97) return { kind: 'unknown', path: `/nope${c}/${deep()}`, goGet: random() < 0.5 };
  return { kind: 'health', path: '/.well-known/vanity/health', goGet: false };
}

function goImportTags(body) {
  const head = body.slice(0, Math.max(0, body.search(/<body[\s>]|<\/head\s*>/i)));
  return [...head.matchAll(/<meta\s+name="go-import"\s+content="([^"]*)"/gi)].map((m) => m[1]);
}

/**
 * Checks one answer against one registry; returns undefined when it is that
 * registry's answer, else why not.
 */
function mismatch(registry, req, res) {
  const { status, body, location } = res;
  if (req.kind === 'health') {
    let modules;
    try {
      modules = JSON.parse(body).modules;
    } catch {
      return `health ${status}: not JSON`;
    }
    return status === 200 && modules === registry.modules.size
      ? undefined
      : `health ${status} modules=${modules}`;
  }
  if (req.kind === 'index') {
    const repos = new Set(
      [...body.matchAll(/<a href="(https:\/\/github\.com\/[^"]*)"/g)].map((m) => m[1]),
    );
    const want = new Set(registry.modules.values());
    const same = repos.size === want.size && [...want].every((repo) => repos.has(repo));
    return status === 200 && same ? undefined : `index ${status} with ${repos.size} repos`;
  }
  const module = req.kind === 'unknown' ? undefined : moduleOf(registry, req.path);
  if (!module) {
    if (status !== 404) return `${status}, expected 404`;
    return goImportTags(body).length === 0 ? undefined : 'a 404 with a go-import tag';
  }
  if (req.goGet) {
    const tags = goImportTags(body);
    const want = `${HOST}${module} git ${registry.modules.get(module)}`;
    if (status !== 200) return `${status}, expected 200`;
    return tags.length === 1 && tags[0] === want ? undefined : `go-import ${JSON.stringify(tags)}`;
  }
  const docs = `https://pkg.go.dev/${HOST}${req.path}`;
  return status === 302 && location === docs ? undefined : `${status} Location ${location}`;
}

function get(agent, base, req) {
  const path = req.goGet ? `${req.path}?go-get=1` : req.path;
  return new Promise((done, fail) => {
    const r = request(`${base}${path}`, { agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          location: res.headers.location,
        }),
      );
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    r.on('error', fail);
    r.end();
  });
}

function rssMiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Starts the server on a config; resolves with its child process, URL and log. */
async function startServer(configFile, nodePath, nodeOptions, cli) {
  const args = ['serve', '--config', configFile, '--port', '0', '--listen', '127.0.0.1', '--quiet'];
  const child = spawn(nodePath, [...nodeOptions, cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { text: '', exited: undefined };
  child.stdout.on('data', (chunk) => (log.text += chunk));
  child.stderr.on('data', (chunk) => (log.text += chunk));
  child.on('exit', (code, signal) => (log.exited = signal ?? code));
  for (let i = 0; i < 200; i++) {
    const match = /listening address=(\S+)/.exec(log.text);
    if (match) return { child, url: match[1], log };
    if (log.exited !== undefined) break;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`vanity serve did not start within 10 s:\n${log.text}`);
}

/** Ends the server by its pid: SIGTERM (it drains), SIGKILL after 5 s. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs the soak and resolves with its numbers; never throws for a failed
 * check (those are counted as errors), only when the server cannot start.
 *
 * @param {import('./soak.d.mts').SoakOptions} options
 */
export async function soak(options = {}) {
  const seconds = options.seconds ?? 60;
  const reloadEvery = options.reloadEvery ?? 3;
  const connections = options.connections ?? 32;
  const warmup = options.warmup ?? Math.min(20, seconds / 3);
  const nodeOptions = options.nodeOptions ?? SERVER_NODE_OPTIONS;
  const progress = options.onProgress ?? (() => undefined);
  const { A, B, invalid, common } = registries();

  const dir = mkdtempSync(join(tmpdir(), 'vanity-soak-'));
  const configFile = join(dir, 'vanity.yaml');
  const write = (text) => {
    writeFileSync(`${configFile}.new`, text);
    renameSync(`${configFile}.new`, configFile);
  };
  write(A.yaml);

  // Errors are counted by kind of failure, with the first request that showed each.
  const errors = { count: 0, samples: new Map() };
  const fail = (message, example = '') => {
    errors.count++;
    const seen = errors.samples.get(message);
    if (seen) seen.count++;
    else if (errors.samples.size < 100) errors.samples.set(message, { count: 1, example });
  };

  // targets[i]: the registry the i-th SIGHUP asks for (an invalid file keeps
  // the one before); targets[0] is the one the server started with.
  const targets = [A];
  let confirmed = 0;
  const reloads = { applied: 0, refused: 0 };
  const rss = [];
  let server;
  let agent;
  let sampler;
  const started = Date.now();
  try {
    const nodePath = options.nodePath ?? process.execPath;
    server = await startServer(configFile, nodePath, nodeOptions, options.cli ?? CLI);
    const { child, url, log } = server;
    agent = new Agent({ keepAlive: true, maxSockets: connections });

    const t0 = Date.now();
    const deadline = t0 + seconds * 1000;
    const warmEnd = t0 + warmup * 1000;
    sampler = setInterval(() => {
      const value = rssMiB(child.pid);
      if (value !== undefined) rss.push({ t: (Date.now() - t0) / 1000, mib: value });
    }, 1000);

    const counts = { requests: 0, byKind: {} };
    const worker = async (seed) => {
      const random = prng(seed);
      while (Date.now() < deadline && log.exited === undefined) {
        const req = nextRequest(random, common);
        const from = confirmed;
        let res;
        try {
          res = await get(agent, url, req);
        } catch (err) {
          fail(`${req.kind}: ${err.code ?? err.message}`, req.path);
          continue;
        } finally {
          counts.requests++;
          counts.byKind[req.kind] = (counts.byKind[req.kind] ?? 0) + 1;
        }
        // The server may hold any registry asked for since the last confirmed reload.
        const possible = targets.slice(from);
        const why = possible.map((registry) => mismatch(registry, req, res));
        if (why.every((reason) => reason !== undefined)) {
          const what = `${req.kind}${req.goGet ? ' ?go-get=1' : ''}`;
          fail(`${what}: ${why.join(' / ')}`, `${req.path} (${possible.map((r) => r.name)})`);
        }
      }
    };

    const reloader = async () => {
      let n = 0;
      let current = A;
      while (Date.now() + reloadEvery * 1000 < deadline && log.exited === undefined) {
        await sleep(reloadEvery * 1000);
        n++;
        const bad = n % 5 === 3; // reloads 3, 8, 13...: an invalid file, refused
        const next = bad ? current : current === A ? B : A;
        const before = (log.text.match(/ (reloaded|reload-failed) /g) ?? []).length;
        write(bad ? invalid : next.yaml);
        targets.push(next);
        child.kill('SIGHUP');
        const until = Date.now() + RELOAD_CONFIRM_MS;
        let lines = [];
        while (Date.now() < until) {
          lines = [...log.text.matchAll(/ (reloaded|reload-failed) /g)].slice(before);
          if (lines.length > 0) break;
          await sleep(10);
        }
        const outcome = lines[0]?.[1];
        if (outcome === undefined)
          fail(`reload ${n}: not confirmed within ${RELOAD_CONFIRM_MS} ms`);
        else if (outcome !== (bad ? 'reload-failed' : 'reloaded'))
          fail(`reload ${n}: ${outcome}, expected ${bad ? 'reload-failed' : 'reloaded'}`);
        if (outcome === 'reloaded') reloads.applied++;
        if (outcome === 'reload-failed') reloads.refused++;
        confirmed = targets.length - 1;
        current = next;
        progress(`reload ${n}: ${bad ? 'invalid file' : next.name} -> ${outcome ?? 'none'}`);
      }
    };

    await Promise.all([
      reloader(),
      ...Array.from({ length: connections }, (_, i) => worker(0x50a6 + i)),
    ]);
    const elapsed = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const end = rssMiB(child.pid);
    if (end !== undefined) rss.push({ t: elapsed, mib: end });
    if (log.exited !== undefined) fail(`the server exited (${log.exited}) during the soak`);

    const after = rss.filter((sample) => sample.t * 1000 >= warmEnd - t0);
    const memory = memoryVerdict(after, options);
    return {
      node: process.version,
      nodeOptions,
      seconds: elapsed,
      connections,
      reloadEvery,
      requests: counts.requests,
      byKind: counts.byKind,
      errors: errors.count,
      errorSamples: [...errors.samples].map(([message, { count, example }]) => ({
        message,
        count,
        example,
      })),
      reqPerSec: counts.requests / elapsed,
      reloads,
      warmup,
      memory,
      rss: rss.map((sample) => [Number(sample.t.toFixed(1)), Number(sample.mib.toFixed(1))]),
      ok: errors.count === 0 && memory.flat !== false,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    clearInterval(sampler);
    agent?.destroy();
    if (server) await stopServer(server.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * RSS after warm-up against its end. RSS saws up and down with garbage
 * collection, so single samples mislead: start and end are the lowest RSS
 * (the floor after collection) in the first and in the last window of up to
 * 10 samples after warm-up. Flat when the end floor is within +20% or
 * +10 MiB (whichever is larger) of the start floor; a leak lifts the floor.
 */
function memoryVerdict(samples, options) {
  const pct = options.tolerancePct ?? 20;
  const mib = options.toleranceMiB ?? 10;
  // Fewer than 20 s after warm-up cannot tell a trend from the heap settling.
  if (samples.length < 20) return { flat: undefined, samples: samples.length };
  const window = Math.min(10, Math.floor(samples.length / 4));
  const floor = (part) => Math.min(...part.map((sample) => sample.mib));
  const start = floor(samples.slice(0, window));
  const end = floor(samples.slice(-window));
  const max = Math.max(...samples.map((sample) => sample.mib));
  const last = samples[samples.length - 1].mib;
  const limit = start + Math.max((start * pct) / 100, mib);
  return { start, max, end, last, limit, window, flat: end <= limit, samples: samples.length };
}

function parseArgs(argv) {
  const options = { json: false };
  const number = (flag, value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') options.json = true;
    else if (flag === '--seconds') options.seconds = number(flag, argv[++i]);
    else if (flag === '--reload-every') options.reloadEvery = number(flag, argv[++i]);
    else if (flag === '--connections') options.connections = Math.floor(number(flag, argv[++i]));
    else if (flag === '--warmup') options.warmup = number(flag, argv[++i]);
    else if (flag === '--node-options')
      options.nodeOptions = (argv[++i] ?? '').split(/\s+/).filter(Boolean);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (options.seconds !== undefined && options.seconds > 3600)
    throw new Error('--seconds: at most 3600');
  return options;
}

function report(result) {
  const m = result.memory;
  const f = (n) => n.toFixed(1);
  const { applied, refused } = result.reloads;
  const kinds = Object.entries(result.byKind).map(([kind, n]) => `${kind} ${n}`);
  const lines = [
    `soak: ${f(result.seconds)} s on Node ${result.node} ` +
      `(server options: ${result.nodeOptions.join(' ') || 'none'}), ` +
      `${result.connections} keep-alive connections, reload every ${result.reloadEvery} s`,
    `requests ${result.requests}, errors ${result.errors}, ${Math.round(result.reqPerSec)} req/s`,
    `  by kind: ${kinds.join(', ')}`,
    `reloads ${applied + refused}: ${applied} applied, ${refused} invalid files refused`,
  ];
  for (const { message, count, example } of result.errorSamples.slice(0, 10))
    lines.push(`  error x${count}: ${message}; first on ${example}`);
  if (m.flat === undefined) {
    lines.push('RSS: not judged (needs /proc and 20 s of samples after warm-up)');
  } else {
    lines.push(
      `RSS MiB: start ${f(m.start)} (after ${result.warmup} s warm-up), max ${f(m.max)}, ` +
        `end ${f(m.end)} (last sample ${f(m.last)}), limit ${f(m.limit)}: ` +
        (m.flat ? 'memory flat' : 'memory GREW'),
      `  (start and end: the lowest of the ${m.window} one-second samples at each end)`,
    );
  }
  lines.push(result.ok ? 'verdict: PASS' : 'verdict: FAIL');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`soak: ${err.message}`);
    process.exit(2);
  }
  const progress = options.json ? undefined : (line) => console.error(line);
  const result = await soak({ ...options, onProgress: progress });
  console.log(options.json ? JSON.stringify(result, null, 2) : report(result));
  process.exitCode = result.ok ? 0 : 1;
}
