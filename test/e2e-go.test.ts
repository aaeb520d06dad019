// End to end: the real go command fetches a root and a nested module through our server.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const HOST = 'vanity.test';
const INSTALL = 'apt-get install -y golang-go git';
const GO_TIMEOUT_MS = 40_000;
const START_TIMEOUT_MS = 10_000;

/** The tools this test drives; a missing one skips it locally and fails it in CI. */
const missingTools = ['go', 'git'].filter((tool) => !runsLocally(tool));
const inCi = process.env.CI === 'true';
const skip = missingTools.length > 0 && !inCi;
if (skip) {
  console.warn(`e2e-go: skipped, ${missingTools.join(' and ')} not on PATH; run: ${INSTALL}`);
}

function runsLocally(tool: string): boolean {
  const arg = tool === 'go' ? 'version' : '--version';
  const result = spawnSync(tool, [arg], { timeout: 10_000, stdio: 'ignore' });
  return !result.error && result.status === 0;
}

interface RunResult {
  code: number | null;
  stdout: string;
  /** stdout and stderr interleaved, for failure messages. */
  output: string;
}

/** Runs a command to its end or its deadline (then SIGKILL); never rejects on exit status. */
function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timeoutMs = options.timeoutMs ?? GO_TIMEOUT_MS;
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

/** Like run, but any failure throws with the command's output: for setup steps. */
async function mustRun(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = await run(cmd, args, { cwd, env, timeoutMs: 20_000 });
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  }
  return result.output;
}

/** A port nobody listens on right now: bind port 0 on loopback, read it, let it go. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1_000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` holds; throws `what` after `timeoutMs`. */
async function waitUntil(what: string, timeoutMs: number, ready: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Asks a child to stop, then kills it if it has not gone within a few seconds. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM first: `git daemon` passes it on to the git-daemon it started; SIGKILL would not.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

/**
 * One repository holding two modules, as opentelemetry-go does: the root module
 * (tag v1.2.3) and a nested module in sdk/metric (tag sdk/metric/v0.5.0).
 * Returns the bare copy that git daemon serves.
 */
async function makeRepo(tmp: string): Promise<string> {
  const work = join(tmp, 'work');
  await writeFiles(work, {
    'go.mod': `module ${HOST}/mod\n\ngo 1.19\n`,
    'mod.go': 'package mod\n\nfunc Hello() string { return "hello" }\n',
    'pkg/util/util.go': 'package util\n\nfunc Twice(n int) int { return 2 * n }\n',
    'sdk/metric/go.mod': `module ${HOST}/mod/sdk/metric\n\ngo 1.19\n`,
    'sdk/metric/metric.go': 'package metric\n\nconst Name = "metric"\n',
    'sdk/metric/export/export.go': 'package export\n\nconst Kind = "export"\n',
  });
  // Neither the user's nor the system's git config may change what gets committed.
  const env = {
    PATH: process.env.PATH,
    HOME: tmp,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@vanity.test',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@vanity.test',
  };
  const git = (args: string[], cwd = work) => mustRun('git', args, cwd, env);
  await git(['-c', 'init.defaultBranch=main', 'init', '-q', '.']);
  await git(['add', '-A']);
  await git(['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'two modules']);
  await git(['tag', 'v1.2.3']);
  await git(['tag', 'sdk/metric/v0.5.0']);
  const bare = join(tmp, 'git', 'repo.git');
  await git(['clone', '-q', '--bare', work, bare], tmp);
  return dirname(bare);
}

/** Why one `/mod` entry and not a second `/mod/sdk/metric` one: see the comment inside. */
function vanityYaml(gitPort: number): string {
  // The go command finds a nested module's repository by asking for each path
  // prefix; the go-import prefix it gets back is the module root *in the
  // repository root*. With only `/mod`, longest-prefix matching answers
  // vanity.test/mod/sdk/metric with prefix vanity.test/mod, so go looks for the
  // module in the subdirectory sdk/metric and for the tag sdk/metric/v0.5.0.
  // A second entry `/mod/sdk/metric` for the same repo (checked with go 1.19)
  // makes go treat the repository root as that module and look for tag v0.5.0:
  // "invalid version: unknown revision v0.5.0". Adding `subdir: sdk/metric`
  // writes a 4-field go-import tag, which go 1.19 ignores (only newer go reads it):
  // "no go-import meta tags". So one entry per repository is the right shape.
  return [
    `host: ${HOST}`,
    'paths:',
    '  /mod:',
    `    repo: git://127.0.0.1:${gitPort}/repo.git`,
    '    vcs: git',
    '',
  ].join('\n');
}

function startGitDaemon(base: string, port: number): ChildProcess {
  const args = ['daemon', '--reuseaddr', `--base-path=${base}`, '--export-all'];
  args.push(`--port=${port}`, '--listen=127.0.0.1');
  return spawn('git', args, { stdio: 'ignore', env: { PATH: process.env.PATH } });
}

interface Server {
  child: ChildProcess;
  port: number;
  /** Everything the server has printed so far. */
  log: () => string;
}

/** Starts our CLI and resolves once it prints the address it listens on. */
async function startServer(config: string): Promise<Server> {
  const args = [CLI, 'serve', '--config', config, '--port', '0', '--listen', '127.0.0.1'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH } });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const server = { child, port: 0, log: () => log };
  const listening = /listening address=http:\/\/127\.0\.0\.1:([0-9]+)/;
  try {
    await waitUntil('the server to print its address', START_TIMEOUT_MS, async () => {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${log}`);
      return listening.test(log);
    });
  } catch (err) {
    await stop(child);
    throw err;
  }
  server.port = Number(listening.exec(log)?.[1]);
  return server;
}

/**
 * An environment that makes go ask our server and nothing else: no module
 * mirror, no checksum database, caches of its own, and our server as the http
 * proxy, which is how a made-up host reaches 127.0.0.1 without editing
 * /etc/hosts. Built from nothing, so no inherited proxy variable gets in.
 */
function goEnv(tmp: string, serverPort: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: join(tmp, 'home'),
    GOPATH: join(tmp, 'gopath'),
    GOMODCACHE: join(tmp, 'gopath', 'pkg', 'mod'),
    GOCACHE: join(tmp, 'gocache'),
    GOPROXY: 'direct',
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    // The https attempt cannot resolve vanity.test; GOINSECURE lets go fall back to http.
    GOINSECURE: HOST,
    HTTP_PROXY: `http://127.0.0.1:${serverPort}`,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

const MAIN_GO = `package main

import (
\t"fmt"

\t"${HOST}/mod"
\t"${HOST}/mod/pkg/util"
\t"${HOST}/mod/sdk/metric"
\t"${HOST}/mod/sdk/metric/export"
)

func main() { fmt.Println(mod.Hello(), util.Twice(2), metric.Name, export.Kind) }
`;

describe.skipIf(skip)('the go command against our server', () => {
  const children: ChildProcess[] = [];
  let tmp = '';
  let consumer = '';
  let env: NodeJS.ProcessEnv = {};
  let server: Server | undefined;

  const go = (...args: string[]) => run('go', args, { cwd: consumer, env });
  const modCache = (...parts: string[]) => join(env.GOMODCACHE ?? '', ...parts);

  beforeAll(async () => {
    if (missingTools.length > 0) {
      throw new Error(`${missingTools.join(' and ')} not on PATH (CI=true); run: ${INSTALL}`);
    }
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run "npm run build" first`);
    tmp = await mkdtemp(join(tmpdir(), 'vanity-e2e-go-'));
    const base = await makeRepo(tmp);

    const gitPort = await freePort();
    const daemon = startGitDaemon(base, gitPort);
    children.push(daemon);
    await waitUntil(`git daemon on port ${gitPort}`, START_TIMEOUT_MS, async () => {
      if (daemon.exitCode !== null) throw new Error(`git daemon exited ${daemon.exitCode}`);
      return canConnect(gitPort);
    });

    const config = join(tmp, 'vanity.yaml');
    await writeFile(config, vanityYaml(gitPort));
    server = await startServer(config);
    children.push(server.child);

    env = goEnv(tmp, server.port);
    consumer = join(tmp, 'consumer');
    await mkdir(consumer, { recursive: true });
    await mkdir(env.HOME ?? '', { recursive: true });
    await mustRun('go', ['mod', 'init', 'example.test/consumer'], consumer, env);
  }, 60_000);

  afterAll(async () => {
    for (const child of children.reverse()) await stop(child);
    if (!tmp) return;
    // The module cache is read-only; go itself knows how to remove it.
    if (consumer) await run('go', ['clean', '-modcache'], { cwd: consumer, env });
    await rm(tmp, { recursive: true, force: true });
  }, 30_000);

  it('gets the root module at its tag', async () => {
    const result = await go('get', `${HOST}/mod@v1.2.3`);
    expect(result.code, result.output).toBe(0);
    expect(existsSync(modCache('cache', 'download', HOST, 'mod', '@v', 'v1.2.3.zip'))).toBe(true);
    expect(existsSync(modCache(HOST, 'mod@v1.2.3', 'pkg', 'util', 'util.go'))).toBe(true);
    // The nested module is not part of the root module's zip.
    expect(existsSync(modCache(HOST, 'mod@v1.2.3', 'sdk', 'metric'))).toBe(false);
  }, 60_000);

  it('gets the nested module at its prefixed tag', async () => {
    const result = await go('get', `${HOST}/mod/sdk/metric@v0.5.0`);
    expect(result.code, result.output).toBe(0);
    const dir = modCache(HOST, 'mod', 'sdk', 'metric@v0.5.0');
    expect(existsSync(join(dir, 'export', 'export.go'))).toBe(true);
  }, 60_000);

  it('gets a package below the nested module', async () => {
    const result = await go('get', `${HOST}/mod/sdk/metric/export`);
    expect(result.code, result.output).toBe(0);
    const goMod = await readFile(join(consumer, 'go.mod'), 'utf8');
    expect(goMod).toMatch(/^\s*vanity\.test\/mod v1\.2\.3\b/m);
    expect(goMod).toMatch(/^\s*vanity\.test\/mod\/sdk\/metric v0\.5\.0\b/m);
  }, 60_000);

  it('lists the versions of the root module', async () => {
    const result = await go('list', '-m', '-versions', `${HOST}/mod`);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout.trim().split(/\s+/)).toEqual([`${HOST}/mod`, 'v1.2.3']);
  }, 60_000);

  it('builds and runs a program importing all four packages', async () => {
    await writeFile(join(consumer, 'main.go'), MAIN_GO);
    const build = await go('build', '-o', 'consumer', '.');
    expect(build.code, build.output).toBe(0);
    const ran = await run(join(consumer, 'consumer'), [], { cwd: consumer, env });
    expect(ran.code, ran.output).toBe(0);
    expect(ran.stdout.trim()).toBe('hello 4 metric export');
  }, 60_000);

  it('was asked by the go command for each path, and answered go-get', async () => {
    const asked = (path: string) => {
      const target = `(?:http://${HOST})?${path}\\?go-get=1`;
      return new RegExp(`request method=GET path=${target} status=200 kind=go-get module=/mod `);
    };
    const paths = ['/mod', '/mod/sdk/metric', '/mod/sdk/metric/export'];
    // Request lines are written when each response finishes; give the pipe a moment.
    await waitUntil('request lines for every path', 5_000, async () => {
      const log = server?.log() ?? '';
      return paths.every((path) => asked(path).test(log));
    }).catch(() => undefined);
    const log = server?.log() ?? '';
    for (const path of paths) expect(log, `no go-get line for ${path}`).toMatch(asked(path));
  }, 20_000);
});
