#!/usr/bin/env node
// The benchmark: `npm run bench` (never part of `npm test`). See BENCHMARKS.md.
//
// Drives `dist/cli.js serve` over loopback with wrk (else autocannon), alternating
// with a bare node:http server that sends the very same response from a prebuilt
// buffer, and reports each figure beside that baseline and the targets of the
// "Fast and frugal" issue. It also times start-up and `vanity build`. It exits 0
// whatever the figures are (it is a report) and 1 only when the benchmark itself
// fails: no load generator, a server that does not start or answers wrongly.
//
//   node bench/bench.mjs [--quick] [--seconds N] [--rounds N] [--warmup N]
//                        [--connections N] [--threads N] [--workers N]
//                        [--tool wrk|autocannon] [--modules N] [--out FILE] [--cli FILE]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOOPBACK = '127.0.0.1';
const MIB = 1024 * 1024;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

// The targets of the issue, checked against this run's own figures.
const TARGET = {
  vsBaseline: 0.8, // go-get and browser req/s, as a share of the bare node:http server
  scaling: 0.9, // 10,000 modules within 10% of ten modules, every kind but the index
  indexRps: 5000, // index page at 10,000 modules, with Accept-Encoding: gzip, br
  p99Ms: 5, // at 50 connections
  rssMiB: 80, // at 10,000 modules
  startupMs: 1000,
  buildMs: 3000, // `vanity build` of 10,000 modules
};

// What each kind of client sends. The go command's net/http asks for gzip itself.
const KINDS = ['go-get', 'browser', 'index', 'miss'];
const WORKER_KINDS = ['go-get', 'browser'];
const AUTOCANNON = 'autocannon@8';
const GO_HEADERS = { 'User-Agent': 'Go-http-client/1.1', 'Accept-Encoding': 'gzip' };
const BROWSER_HEADERS = {
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Encoding': 'gzip, br',
};

// ---------------------------------------------------------------------------------------
// The baseline: a bare node:http server sending one prebuilt response to every request.

function baselineChild(specFile) {
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const body = Buffer.from(spec.body, 'base64');
  const headers = Object.fromEntries(spec.headers);
  const server = createServer((req, res) => {
    res.writeHead(spec.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.listen(0, LOOPBACK, () => {
    console.log(`listening http://${LOOPBACK}:${server.address().port}`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------

const USAGE = `usage: node bench/bench.mjs [options]   (npm run bench -- [options])

  --quick            about a minute: 2 s runs, one round, fewer start-ups and builds
  --seconds N        length of each measured run (5; whole seconds, at most 60)
  --rounds N         measured runs of each server, alternating; the median is kept (3)
  --warmup N         seconds of warm-up for each server and request, not kept (1)
  --connections N    open connections (50)
  --threads N        load generator threads (2)
  --modules N        size of the generated registry (10000)
  --workers N        for \`serve --workers\`, when the CLI has it (number of CPUs)
  --tool NAME        wrk (default; installed with apt-get when missing) or autocannon
  --out FILE         write the results as JSON here (default: a new temporary folder)
  --cli FILE         the CLI to measure (dist/cli.js)

Exits 0 whatever the figures; 1 when the benchmark cannot run, 2 on a wrong option.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {
    seconds: 5,
    rounds: 3,
    warmup: 1,
    connections: 50,
    threads: 2,
    modules: 10_000,
    repeats: 5, // start-up timings
    buildRepeats: 3,
    tool: undefined,
    workers: availableParallelism(),
    out: undefined,
    cli: join(ROOT, 'dist', 'cli.js'),
    quick: false,
  };
  const numeric = {
    '--seconds': 'seconds',
    '--rounds': 'rounds',
    '--warmup': 'warmup',
    '--connections': 'connections',
    '--threads': 'threads',
    '--modules': 'modules',
    '--workers': 'workers',
  };
  const given = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--quick') options.quick = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (flag in numeric) {
      const n = Number(value());
      if (!(n > 0) || n > 100_000) throw new UsageError(`${flag} expects a positive number`);
      options[numeric[flag]] = n;
      given.add(numeric[flag]);
    } else if (flag === '--tool') {
      options.tool = value();
      if (!['wrk', 'autocannon'].includes(options.tool)) {
        throw new UsageError('--tool is wrk or autocannon');
      }
    } else if (flag === '--out') options.out = resolve(value());
    else if (flag === '--cli') options.cli = resolve(value());
    else throw new UsageError(`unknown argument ${arg} (see --help)`);
  }
  if (options.quick) {
    // About a minute: one short round each, fewer start-ups.
    const quick = { seconds: 2, rounds: 1, warmup: 1, repeats: 3, buildRepeats: 1 };
    for (const [key, value] of Object.entries(quick)) if (!given.has(key)) options[key] = value;
  }
  // wrk takes whole seconds and whole numbers only.
  for (const key of ['seconds', 'warmup', 'rounds', 'connections', 'threads', 'workers']) {
    options[key] = Math.max(1, Math.round(options[key]));
  }
  options.modules = Math.round(options.modules);
  if (options.seconds > 60) throw new UsageError('--seconds is at most 60: every run is bounded');
  if (options.rounds > 20) throw new UsageError('--rounds is at most 20');
  if (options.modules < 12) throw new UsageError('--modules is at least 12');
  return options;
}

async function main(options, children) {
  const began = Date.now();
  if (!existsSync(options.cli)) {
    throw new Error(`${options.cli} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'vanity-bench-'));
  try {
    return await run(options, children, work, began);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function run(options, children, work, began) {
  const tool = await loadGenerator(options.tool);
  const help = runSync(process.execPath, [options.cli, 'serve', '--help']).stdout;
  const hasWorkers = /--workers\b/.test(help);
  const hasBuild = /\bbuild\b/.test(runSync(process.execPath, [options.cli, '--help']).stdout);
  const machine = machineInfo(tool);
  machine.idleBefore = await idleShare(1000);
  const cpuAtStart = cpuTimes();
  machine.loadAverageBefore = loadavg().map(round1);
  const plan = { ...options, tool: tool.name };
  console.log(describeRun(machine, plan, hasWorkers));
  if (machine.idleBefore < 0.9) {
    console.log(
      `warning: the CPUs were only ${pct(machine.idleBefore)} idle before the run ` +
        `(load average ${machine.loadAverageBefore.join(' ')}): other work will lower the figures`,
    );
  }

  const small = join(ROOT, 'vanity.yaml');
  const large = join(work, `vanity-${options.modules}.yaml`);
  const generated = generateRegistry(options.modules);
  writeFileSync(large, generated.yaml);
  const nullOut = openSync('/dev/null', 'w');

  const registries = [
    {
      name: '10',
      label: 'real registry (10 modules)',
      file: small,
      modules: countModules(small),
      requests: {
        'go-get': '/otel/sdk/metric/internal/aggregate?go-get=1',
        browser: '/otel/sdk/metric',
        index: '/',
        miss: '/otel-nope/sdk',
      },
      logged: ['go-get'], // one line per request, whatever its kind
    },
    {
      name: String(options.modules),
      label: `generated registry (${options.modules.toLocaleString('en')} modules)`,
      file: large,
      modules: options.modules,
      requests: generated.requests,
      logged: [],
    },
  ];

  const scenarios = [];
  const rss = {};
  const servers = {};
  try {
    for (const registry of registries) {
      const variants = [{ id: 'ours', label: 'vanity --quiet', args: ['--quiet'] }];
      if (registry.logged.length > 0) {
        variants.push({ id: 'logged', label: 'vanity, logging', args: [], stdout: nullOut });
      }
      // Workers on the real registry only, which keeps the whole run under six minutes.
      if (hasWorkers && registry === registries[0]) {
        const args = ['--quiet', '--workers', String(options.workers)];
        variants.push({ id: 'workers', label: `vanity --workers ${options.workers}`, args });
      }
      registry.variants = variants;
      servers[registry.name] = {};
      for (const variant of variants) {
        const server = await startOurs(options.cli, registry.file, variant, children);
        servers[registry.name][variant.id] = server;
      }
    }
    // One kind of request at a time; within it, every server of both registries takes
    // turns, so that "10,000 modules vs ten" and "vs the baseline" are measured alike.
    for (const kind of KINDS) {
      const headers = kind === 'go-get' ? GO_HEADERS : BROWSER_HEADERS;
      const contestants = [];
      const scenarioOf = {};
      for (const registry of registries) {
        const path = registry.requests[kind];
        const ours = servers[registry.name];
        const reference = await fetchRaw(ours.ours.url + path, headers);
        checkAnswer(kind, reference, path);
        const baseline = await startBaseline(reference, work, children);
        const add = (id, label, server) => {
          contestants.push({ key: `${registry.name}:${id}`, registry, id, label, server, path });
        };
        add('baseline', 'bare node:http', baseline);
        for (const variant of registry.variants) {
          if (variant.id === 'logged' && !registry.logged.includes(kind)) continue;
          if (variant.id === 'workers' && !WORKER_KINDS.includes(kind)) continue;
          add(variant.id, variant.label, ours[variant.id]);
        }
        scenarioOf[registry.name] = {
          registry: registry.name,
          modules: registry.modules,
          kind,
          path,
          bytes: reference.wireBytes,
          bodyBytes: reference.body.length,
          encoding: reference.headers['content-encoding'] ?? 'identity',
          results: {},
        };
      }
      const results = await measure(tool, options, contestants, headers);
      for (const c of contestants) scenarioOf[c.registry.name].results[c.id] = results[c.key];
      for (const scenario of Object.values(scenarioOf)) {
        addRatios(scenario.results);
        scenarios.push(scenario);
      }
      printKind(kind, Object.values(scenarioOf));
      for (const c of contestants) {
        if (c.id !== 'baseline') continue;
        stop(c.server.child);
        children.delete(c.server.child);
      }
    }
    for (const [name, byId] of Object.entries(servers)) {
      for (const [id, server] of Object.entries(byId)) {
        rss[`${name}:${id}`] = treeHighWater(server.child.pid);
      }
    }
  } finally {
    closeSync(nullOut);
    for (const byId of Object.values(servers)) {
      for (const server of Object.values(byId)) {
        stop(server.child);
        children.delete(server.child);
      }
    }
  }

  console.log('\n== start-up (spawn to the "listening" line)');
  const startup = {};
  for (const registry of registries) {
    const times = await repeat(options.repeats, 10_000, () =>
      timeStartup(options.cli, registry.file, children),
    );
    startup[registry.name] = { medianMs: round1(median(times)), runsMs: times.map(round1) };
    console.log(`${registry.label}: median ${fmtMs(median(times))} of ${times.map(fmtMs)}`);
  }

  let build;
  if (hasBuild) {
    console.log(`\n== vanity build of ${options.modules.toLocaleString('en')} modules`);
    let summary = '';
    let i = 0;
    const outs = [];
    const times = await repeat(options.buildRepeats, 12_000, async () => {
      const out = join(work, `site-${i++}`);
      outs.push(out);
      const args = [options.cli, 'build', '--config', large, '--out', out];
      const started = process.hrtime.bigint();
      const result = await runAsync(process.execPath, args, 120_000);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (result.status !== 0) throw new Error(`vanity build failed:\n${result.stderr}`);
      summary = result.stdout.trim();
      return ms;
    });
    // Removed only once every build is timed: on a file system without a journal, files
    // deleted a moment before make the next build's new files slower (ext4 re-checks them).
    for (const out of outs) rmSync(out, { recursive: true, force: true });
    build = { medianMs: round1(median(times)), runsMs: times.map(round1), output: summary };
    console.log(`median ${fmtMs(median(times))} of ${times.map(fmtMs)}: ${summary}`);
  } else {
    console.log('\n== vanity build: not in this CLI, skipped');
  }

  const targets = checkTargets({ scenarios, rss, startup, build, registries, hasWorkers, options });
  console.log('\n== targets (this machine, this run)');
  for (const line of targets) console.log(`${line.status.padEnd(7)} ${line.text}`);

  const seconds = Math.round((Date.now() - began) / 1000);
  machine.loadAverageAfter = loadavg().map(round1);
  machine.otherCpuShare = otherCpuShare(cpuAtStart, cpuTimes());
  const busy = `other processes used ${pct(machine.otherCpuShare)} of the CPU time during the run`;
  console.log(
    machine.otherCpuShare > 0.1 ? `\nwarning: ${busy}: figures are lowered` : `\n${busy}`,
  );
  const results = {
    date: new Date().toISOString(),
    durationSeconds: seconds,
    machine,
    options: { ...plan, cli: options.cli },
    workers: hasWorkers ? options.workers : 'serve has no --workers flag: skipped',
    registries: registries.map(({ name, label, modules, requests }) => {
      return { name, label, modules, requests };
    }),
    scenarios,
    peakRssMiB: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, round1(v / MIB)])),
    startup,
    build: build ?? 'no build command: skipped',
    targets,
  };
  const outFile =
    options.out ?? join(mkdtempSync(join(tmpdir(), 'vanity-bench-out-')), 'results.json');
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${outFile}\nthe benchmark took ${seconds} s`);
  return 0;
}

// ---------------------------------------------------------------------------------------
// The generated registry: nested modules, and names that sort between a module and its
// sub-paths ("/pkg0001", "/pkg0001-ext", "/pkg0001.d", "/pkg0001/sdk"), as OpenTelemetry's.

function generateRegistry(count) {
  const lines = ['host: go.example.org', 'cache_max_age: 86400', 'paths:'];
  const add = (path, fields) => {
    lines.push(`  ${path}:`);
    for (const [key, value] of Object.entries(fields)) lines.push(`    ${key}: ${value}`);
  };
  const groups = Math.ceil(count / 6);
  const width = String(groups).length;
  let written = 0;
  for (let g = 0; g < groups && written < count; g++) {
    const name = `pkg${String(g).padStart(width, '0')}`;
    const repo = `https://github.com/example/${name}`;
    const entries = [
      [`/${name}`, { repo, description: `"Module ${g}: the API"` }],
      [`/${name}-ext`, { repo: `${repo}-ext` }],
      [`/${name}.d`, { repo: `https://hg.example.org/${name}.d`, vcs: 'hg' }],
      [`/${name}/sdk`, { repo, subdir: 'sdk' }],
      [`/${name}/sdk/metric`, { repo, subdir: 'sdk/metric', description: '"Metrics SDK"' }],
      [`/${name}/v2`, { repo, subdir: 'v2' }],
    ];
    for (const [path, fields] of entries) {
      if (written++ < count) add(path, fields);
    }
  }
  const middle = `pkg${String(Math.floor(groups / 2)).padStart(width, '0')}`;
  return {
    yaml: `${lines.join('\n')}\n`,
    requests: {
      'go-get': `/${middle}/sdk/metric/internal/aggregate?go-get=1`,
      browser: `/${middle}/sdk/trace`,
      index: '/',
      miss: `/${middle}-nope/sdk`,
    },
  };
}

function countModules(file) {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').filter((line) => /^ {2}\/\S*:\s*$/.test(line)).length;
}

// ---------------------------------------------------------------------------------------
// Servers

async function startOurs(cli, config, variant, children) {
  const port = await freePort();
  const args = [cli, 'serve', '--config', config, '--port', String(port), '--listen', LOOPBACK];
  const stdout = variant.stdout ?? 'pipe';
  const child = spawn(process.execPath, [...args, ...variant.args], {
    stdio: ['ignore', stdout, 'pipe'],
  });
  children.add(child);
  const output = collectOutput(child);
  const url = `http://${LOOPBACK}:${port}`;
  await waitHealthy(url, child, output, 60_000);
  return { child, url, output };
}

async function startBaseline(reference, work, children) {
  const spec = join(work, `baseline-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const headers = reference.rawHeaders.filter(([name]) => !HOP_HEADERS.has(name.toLowerCase()));
  writeFileSync(
    spec,
    JSON.stringify({ status: reference.status, headers, body: reference.body.toString('base64') }),
  );
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [self, '--baseline-child', spec], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = collectOutput(child);
  const url = await waitListening(child, output, 15_000);
  const check = await fetchRaw(url + '/', {});
  if (check.status !== reference.status || check.body.length !== reference.body.length) {
    throw new Error('the baseline does not send the same response');
  }
  return { child, url, output };
}

// Node adds these itself; the baseline sends everything else exactly as we did.
const HOP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

function collectOutput(child) {
  const output = { text: '' };
  const keep = (chunk) => {
    output.text = (output.text + chunk).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return output;
}

function waitListening(child, output, timeoutMs) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`no "listening" line in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onData = () => {
      const match = /listening\S* (?:address=)?(http:\/\/\S+)/.exec(output.text);
      if (match) done(match[1]);
    };
    const onExit = (code) =>
      fail(new Error(`exited with ${code} before listening: ${output.text}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    const done = (url) => {
      cleanup();
      resolvePromise(url);
    };
    const fail = (err) => {
      cleanup();
      reject(err);
    };
    child.stdout.on('data', onData);
    child.on('exit', onExit);
    onData();
  });
}

async function waitHealthy(url, child, output, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited with ${child.exitCode}: ${output.text}`);
    }
    try {
      const res = await fetchRaw(`${url}/.well-known/vanity/health`, {});
      if (res.status === 200) return;
    } catch {
      // not yet listening
    }
    await sleep(25);
  }
  throw new Error(`the server did not answer in ${timeoutMs} ms: ${output.text}`);
}

async function timeStartup(cli, config, children) {
  const started = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--config', config, '--port', '0', '--listen', LOOPBACK, '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const output = collectOutput(child);
  await waitListening(child, output, 30_000);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  stop(child);
  children.delete(child);
  await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
  return ms;
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, 5000);
  timer.unref();
}

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/** One request, read raw: status, headers as sent, body bytes as sent (never decoded). */
function fetchRaw(url, headers) {
  return new Promise((resolvePromise, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const rawHeaders = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          rawHeaders.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        }
        const head = rawHeaders.reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
        const wireBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + head + 2;
        resolvePromise({
          status: res.statusCode,
          headers: res.headers,
          rawHeaders,
          body,
          wireBytes: wireBytes + body.length,
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The benchmark measures what it claims only when each answer is the right one. */
function checkAnswer(kind, res, path) {
  const body = res.body.toString('latin1');
  const ok = {
    'go-get': res.status === 200 && body.includes('name="go-import"'),
    browser: res.status === 302 && /^https:\/\/pkg\.go\.dev\//.test(res.headers.location ?? ''),
    index: res.status === 200 && !body.includes('name="go-import"'),
    miss: res.status === 404,
  }[kind];
  if (!ok) throw new Error(`${kind} ${path}: unexpected answer ${res.status}`);
}

// ---------------------------------------------------------------------------------------
// Load

async function loadGenerator(wanted) {
  if (wanted !== 'autocannon') {
    if (!onPath('wrk')) installWrk();
    if (onPath('wrk')) {
      const first = runSync('wrk', ['-v']).stdout.split('\n')[0] ?? '';
      const version = first.replace(/\s*Copyright.*$/, '').trim();
      return { name: 'wrk', version, run: runWrk };
    }
    if (wanted === 'wrk') throw new Error('wrk is not installed and could not be installed');
    console.error('bench: wrk could not be installed; falling back to autocannon via npx');
  }
  // npx fetches it once; its binary is then run directly, sparing npx's start-up per run.
  const probe = runSync('npx', ['--yes', '-p', AUTOCANNON, '-c', 'command -v autocannon'], 180_000);
  const bin = probe.stdout.trim().split('\n').pop() ?? '';
  if (probe.status !== 0 || !bin) {
    throw new Error(`no load generator: neither wrk nor autocannon (npx: ${probe.stderr.trim()})`);
  }
  const version = runSync(bin, ['--version']).stdout.split('\n')[0]?.trim() ?? AUTOCANNON;
  return { name: 'autocannon', version, bin, run: runAutocannon };
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function installWrk() {
  const root = process.getuid?.() === 0;
  const prefix = root ? [] : ['sudo', '-n'];
  const apt = (args) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    return spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
  };
  console.error(`bench: wrk is missing; installing it: ${prefix.join(' ')} apt-get install -y wrk`);
  if (apt(['install', '-y', '-qq', 'wrk']).status === 0) return;
  if (apt(['update', '-qq']).status === 0) apt(['install', '-y', '-qq', 'wrk']);
}

async function runWrk(options, url, seconds, headers) {
  const args = [`-t${options.threads}`, `-c${options.connections}`, `-d${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  const result = await runAsync('wrk', args, (seconds + 30) * 1000);
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.stdout}`);
  return parseWrk(result.stdout);
}

function parseWrk(text) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !p50 || !p99 || !total) throw new Error(`cannot read wrk's output:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const status = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    rps: Number(rps[1]),
    p50Ms: toMs(p50[1], p50[2]),
    p99Ms: toMs(p99[1], p99[2]),
    requests: Number(total[1]),
    socketErrors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
    non2xx3xx: status ? Number(status[1]) : 0,
  };
}

function toMs(value, unit) {
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 }[unit];
  return Number(value) * scale;
}

async function runAutocannon(options, url, seconds, headers, tool) {
  const args = ['-j', '-c', String(options.connections)];
  args.push('-d', String(seconds), '-w', String(options.threads));
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  const result = await runAsync(tool.bin, args, (seconds + 60) * 1000);
  if (result.status !== 0) throw new Error(`autocannon failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
  return {
    rps: json.requests.average,
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    requests: json.requests.total,
    socketErrors: json.errors + json.timeouts,
    non2xx3xx: (json['4xx'] ?? 0) + (json['5xx'] ?? 0), // as wrk counts them
  };
}

/**
 * Baseline and ours take turns: a warm-up each, then rounds in which the order
 * rotates, so neither always runs first. The median of the rounds is reported.
 */
async function measure(tool, options, contestants, headers) {
  for (const c of contestants) {
    await tool.run(options, c.server.url + c.path, options.warmup, headers, tool);
  }
  const runs = Object.fromEntries(contestants.map((c) => [c.key, []]));
  const peaks = Object.fromEntries(contestants.map((c) => [c.key, 0]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < contestants.length; i++) {
      const c = contestants[(round + i) % contestants.length];
      const sampler = sampleRss(c.server.child.pid);
      const cpu = cpuMeter(c.server.child.pid);
      try {
        const url = c.server.url + c.path;
        const result = await tool.run(options, url, options.seconds, headers, tool);
        runs[c.key].push({ ...result, ...cpu.stop() });
      } finally {
        peaks[c.key] = Math.max(peaks[c.key], sampler.stop());
      }
    }
  }
  const results = {};
  for (const c of contestants) {
    const r = runs[c.key];
    results[c.key] = {
      label: c.label,
      rps: round1(median(r.map((x) => x.rps))),
      p50Ms: round3(median(r.map((x) => x.p50Ms))),
      p99Ms: round3(median(r.map((x) => x.p99Ms))),
      peakRssMiB: round1(peaks[c.key] / MIB),
      // CPU used during the runs, in cores: is the server saturated, is the load generator?
      serverCpu: round3(median(r.map((x) => x.serverCpu))),
      loadCpu: round3(median(r.map((x) => x.loadCpu))),
      socketErrors: r.reduce((n, x) => n + x.socketErrors, 0),
      non2xx3xx: r.reduce((n, x) => n + x.non2xx3xx, 0),
      rounds: r.map((x) => ({
        rps: round1(x.rps),
        p50Ms: round3(x.p50Ms),
        p99Ms: round3(x.p99Ms),
      })),
    };
  }
  return results;
}

/** Each figure of ours as a ratio to the baseline's (req/s: higher is better; others: lower). */
function addRatios(results) {
  const base = results.baseline;
  for (const [id, r] of Object.entries(results)) {
    if (id === 'baseline') continue;
    r.vsBaseline = {
      rps: ratio(r.rps, base.rps),
      p50: ratio(r.p50Ms, base.p50Ms),
      p99: ratio(r.p99Ms, base.p99Ms),
      rss: ratio(r.peakRssMiB, base.peakRssMiB),
    };
  }
}

/** A process and its descendants, from /proc. */
function processTree(pid) {
  const pids = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      for (const kid of kids.split(' ').filter(Boolean)) pids.push(...processTree(Number(kid)));
    }
  } catch {
    // gone already
  }
  return pids;
}

/** A field of /proc/PID/status in bytes (VmRSS, VmHWM), summed over the process tree. */
function treeStatus(pid, key) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const match = new RegExp(`${key}:\\s+(\\d+) kB`).exec(status);
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // gone already
    }
  }
  return total;
}

/**
 * CPU time, in cores, of a server (and its workers) and of the load generator over
 * one run: the load generator is the one child reaped meanwhile (cutime, cstime).
 */
function cpuMeter(pid) {
  const server = () => processTree(pid).reduce((n, p) => n + procTicks(p, 0), 0);
  const reaped = () => procTicks('self', 2);
  const started = process.hrtime.bigint();
  const [server0, reaped0] = [server(), reaped()];
  return {
    stop: () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return {
        serverCpu: (server() - server0) / CLK_TCK / seconds,
        loadCpu: (reaped() - reaped0) / CLK_TCK / seconds,
      };
    },
  };
}

/** utime + stime (from = 0) or cutime + cstime (from = 2) of a process, in ticks. */
function procTicks(pid, from) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // `fields` starts at field 3 (state): utime is field 14, so index 11.
    return Number(fields[11 + from]) + Number(fields[12 + from]);
  } catch {
    return 0;
  }
}

/** Samples the resident set of a server (and its workers) every 50 ms while the load runs. */
function sampleRss(pid) {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, treeStatus(pid, 'VmRSS'));
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/** The peak resident set since start (VmHWM), summed over the process and its workers. */
function treeHighWater(pid) {
  return treeStatus(pid, 'VmHWM');
}

// ---------------------------------------------------------------------------------------
// Targets

function checkTargets({ scenarios, rss, startup, build, registries, hasWorkers, options }) {
  const lines = [];
  const [small, large] = registries;
  const find = (registry, kind) =>
    scenarios.find((s) => s.registry === registry && s.kind === kind);
  const atLeast = (text, value, target, unit = '') => {
    const met = value >= target;
    const by = met
      ? ''
      : `, missed by ${pct((target - value) / target)}: needs ${needs(target / value)}x`;
    lines.push({
      status: met ? 'met' : 'MISSED',
      text: `${text}: ${fmt(value)}${unit} (target >= ${fmt(target)}${unit}${by})`,
      value,
      target,
    });
  };
  const atMost = (text, value, target, unit = '') => {
    const met = value <= target;
    const over = value / target;
    const by = met
      ? ''
      : `, missed: ${over >= 2 ? `${fmt(round1(over))}x the limit` : `${pct(over - 1)} over`}`;
    lines.push({
      status: met ? 'met' : 'MISSED',
      text: `${text}: ${fmt(value)}${unit} (target <= ${fmt(target)}${unit}${by})`,
      value,
      target,
    });
  };

  for (const registry of [small, large]) {
    for (const kind of ['go-get', 'browser']) {
      const s = find(registry.name, kind);
      const text = `${kind} at ${registry.name} modules, one process, req/s vs bare node:http`;
      atLeast(text, s.results.ours.vsBaseline.rps, TARGET.vsBaseline, 'x');
      if (hasWorkers && s.results.workers) {
        const n = options.workers;
        const w = `${kind} at ${registry.name} modules, --workers ${n}, req/s vs bare node:http`;
        atLeast(w, s.results.workers.vsBaseline.rps, TARGET.vsBaseline, 'x');
      }
    }
  }
  for (const s of scenarios.filter((x) => x.results.logged)) {
    const { logged, ours } = s.results;
    lines.push({
      status: 'info',
      text:
        `request logging on (to /dev/null), ${s.kind} at ${s.registry} modules: ` +
        `${fmt(logged.rps)} req/s, ${ratio(logged.rps, ours.rps)}x of --quiet, ` +
        `${logged.vsBaseline.rps}x of bare node:http; p99 ${fmt(logged.p99Ms)} ms`,
    });
  }
  if (!hasWorkers) {
    lines.push({
      status: 'skipped',
      text: 'go-get and browser with --workers N: `vanity serve` has no --workers flag yet',
    });
  }
  for (const kind of ['go-get', 'browser', 'miss']) {
    const [a, b] = [find(large.name, kind).results, find(small.name, kind).results];
    // Beside it, the same ratio with each side first divided by its own baseline.
    const relative = round3(a.ours.vsBaseline.rps / b.ours.vsBaseline.rps);
    atLeast(
      `${kind}: req/s at ${large.name} modules vs at ${small.name} modules ` +
        `(${relative}x relative to each baseline)`,
      round3(a.ours.rps / b.ours.rps),
      TARGET.scaling,
      'x',
    );
  }
  const index = find(large.name, 'index');
  atLeast(
    `index page at ${large.name} modules (Accept-Encoding: gzip, br; ` +
      `${kib(index.bytes)} ${index.encoding}), req/s`,
    index.results.ours.rps,
    TARGET.indexRps,
  );
  for (const s of scenarios) {
    atMost(
      `p99 at ${options.connections} connections, ${s.kind} at ${s.registry} modules`,
      s.results.ours.p99Ms,
      TARGET.p99Ms,
      ' ms',
    );
  }
  atMost(
    `peak RSS at ${large.name} modules (VmHWM, start-up and load)`,
    round1(rss[`${large.name}:ours`] / MIB),
    TARGET.rssMiB,
    ' MiB',
  );
  for (const registry of [small, large]) {
    atMost(
      `start-up at ${registry.name} modules`,
      round1(startup[registry.name].medianMs),
      TARGET.startupMs,
      ' ms',
    );
  }
  if (build)
    atMost(`vanity build of ${large.name} modules`, round1(build.medianMs), TARGET.buildMs, ' ms');
  else lines.push({ status: 'skipped', text: 'vanity build: not in this CLI' });
  return lines;
}

// ---------------------------------------------------------------------------------------
// Printing

function describeRun(machine, plan, hasWorkers) {
  return [
    `machine: ${machine.cpus}x ${machine.cpuModel}, ${machine.memGiB} GiB, ${machine.kernel}`,
    `node ${machine.node}; load: ${machine.tool}; commit ${machine.commit}`,
    `load: ${plan.threads} threads, ${plan.connections} connections, ` +
      `${plan.seconds} s x ${plan.rounds} rounds after ${plan.warmup} s warm-up; median reported`,
    `CPUs idle before the run: ${pct(machine.idleBefore)}; load average ${machine.loadAverageBefore.join(' ')}`,
    `--workers: ${hasWorkers ? `measured with ${plan.workers}` : 'not in `vanity serve` yet, skipped'}`,
    "note: the load generator and the servers share this machine's cores.",
  ].join('\n');
}

function printKind(kind, scenarios) {
  console.log(`\n-- ${kind}`);
  const head = ['modules', 'server', 'req/s', 'x', 'p50 ms', 'x', 'p99 ms', 'x', 'RSS MiB', 'x'];
  head.push('CPU', 'load CPU', 'bytes', 'errors');
  const rows = [head];
  for (const s of scenarios) {
    for (const [id, r] of Object.entries(s.results)) {
      const v = id === 'baseline' ? { rps: 1, p50: 1, p99: 1, rss: 1 } : r.vsBaseline;
      const errors = r.socketErrors + (kind === 'miss' ? 0 : r.non2xx3xx);
      rows.push([
        id === 'baseline' ? fmt(s.modules) : '',
        r.label,
        fmt(r.rps),
        v.rps.toFixed(2),
        r.p50Ms.toFixed(2),
        v.p50.toFixed(2),
        r.p99Ms.toFixed(2),
        v.p99.toFixed(2),
        r.peakRssMiB.toFixed(1),
        v.rss.toFixed(2),
        r.serverCpu.toFixed(2),
        r.loadCpu.toFixed(2),
        id === 'baseline' ? `${s.bytes}${s.encoding === 'identity' ? '' : ` ${s.encoding}`}` : '',
        String(errors),
      ]);
    }
  }
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const left = new Set([0, 1]);
  for (const row of rows) {
    const cells = row.map((cell, i) =>
      left.has(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i]),
    );
    console.log(cells.join('  ').trimEnd());
  }
  for (const s of scenarios) console.log(`   ${fmt(s.modules)} modules: GET ${s.path}`);
}

// ---------------------------------------------------------------------------------------
// Machine and helpers

function machineInfo(tool) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const mem = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  const git = (args) => runSync('git', ['-C', ROOT, ...args]).stdout.trim();
  const dirty = git(['status', '--porcelain', '--', 'src']) !== '';
  return {
    cpus: availableParallelism(),
    cpuModel: model.trim(),
    memGiB: mem ? Math.round(Number(mem[1]) / 1024 / 1024) : undefined,
    kernel: runSync('uname', ['-sr']).stdout.trim(),
    node: process.version,
    tool: tool.version,
    commit: `${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${dirty ? ' (src modified)' : ''}`,
  };
}

/** The share of CPU time left idle over `ms`, from /proc/stat: is anything else running? */
async function idleShare(ms) {
  const read = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const numbers = fields.slice(1).map(Number);
    const idle = (numbers[3] ?? 0) + (numbers[4] ?? 0); // idle + iowait
    return { idle, total: numbers.reduce((a, b) => a + b, 0) };
  };
  const before = read();
  await sleep(ms);
  const after = read();
  const total = after.total - before.total;
  return total > 0 ? round3((after.idle - before.idle) / total) : 1;
}

/**
 * CPU ticks: the machine's busy and total ticks (/proc/stat), and those used by this
 * process and its reaped children (the servers, wrk, builds), from /proc/self/stat.
 */
function cpuTimes() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const numbers = fields.slice(1, 9).map(Number);
  const total = numbers.reduce((a, b) => a + b, 0);
  const idle = (numbers[3] ?? 0) + (numbers[4] ?? 0);
  const ours = procTicks('self', 0) + procTicks('self', 2);
  return { busy: total - idle, total, ours };
}

/** The share of all CPU time that went to processes other than the benchmark's. */
function otherCpuShare(start, end) {
  const total = end.total - start.total;
  const other = end.busy - start.busy - (end.ours - start.ours);
  return total > 0 ? round3(Math.max(0, other / total)) : 0;
}

function runSync(command, args, timeoutMs = 30_000) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * MIB,
  });
  return {
    status: result.status,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? String(result.error ?? ''),
  };
}

/** Runs a command without blocking, so RSS sampling goes on meanwhile; killed at the limit. */
function runAsync(command, args, timeoutMs) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
  });
}

/** Up to `count` timings, fewer when they pass `budgetMs` in all; at least one. */
async function repeat(count, budgetMs, time) {
  const started = Date.now();
  const times = [];
  while (times.length < count && (times.length === 0 || Date.now() - started < budgetMs)) {
    times.push(await time());
  }
  return times;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ratio = (a, b) => (b > 0 ? round3(a / b) : 0);
const round1 = (n) => Math.round(n * 10) / 10;
const round3 = (n) => Math.round(n * 1000) / 1000;
const pct = (n) => `${Math.abs(n) < 0.1 ? (n * 100).toFixed(1) : Math.round(n * 100)}%`;
const needs = (n) => n.toFixed(n < 1.01 ? 3 : 2);
const kib = (n) => `${Math.round(n / 1024)} KiB`;
const fmtMs = (n) => `${Math.round(n)} ms`;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function fmt(n) {
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString('en');
  return String(Math.round(n * 1000) / 1000);
}

// ---------------------------------------------------------------------------------------
// Last, so that every constant above is defined before main() runs.

if (process.argv[2] === '--baseline-child') {
  baselineChild(process.argv[3]);
} else {
  const children = new Set();
  const stopAll = () => {
    for (const child of children) stop(child);
  };
  process.on('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  process.on('SIGTERM', () => {
    stopAll();
    process.exit(143);
  });
  try {
    process.exitCode = await main(parseArgs(process.argv.slice(2)), children);
  } catch (err) {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  } finally {
    stopAll();
  }
}
