// End to end: the real go command fetches a root and a nested module through our server.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeBareRepo,
  mustRun,
  requireTools,
  run,
  startServer,
  stop,
  waitUntil,
} from './e2e-tools.js';
import type { Server } from './e2e-tools.js';
import { freePort } from './process.js';

const HOST = 'vanity.test';
const INSTALL = 'apt-get install -y golang-go git';
const GO_TIMEOUT_MS = 40_000;
const START_TIMEOUT_MS = 10_000;

/** The tools this test drives; a missing one skips it locally and fails it in CI. */
const tools = requireTools('e2e-go', ['go', 'git'], INSTALL);

/** Whether something on loopback `port` accepts a connection within a second. */
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

/**
 * One repository holding two modules, as opentelemetry-go does: the root module
 * (tag v1.2.3) and a nested module in sdk/metric (tag sdk/metric/v0.5.0).
 * Returns the folder of the bare copy that git daemon serves.
 */
async function makeRepo(tmp: string): Promise<string> {
  const files = {
    'go.mod': `module ${HOST}/mod\n\ngo 1.19\n`,
    'mod.go': 'package mod\n\nfunc Hello() string { return "hello" }\n',
    'pkg/util/util.go': 'package util\n\nfunc Twice(n int) int { return 2 * n }\n',
    'sdk/metric/go.mod': `module ${HOST}/mod/sdk/metric\n\ngo 1.19\n`,
    'sdk/metric/metric.go': 'package metric\n\nconst Name = "metric"\n',
    'sdk/metric/export/export.go': 'package export\n\nconst Kind = "export"\n',
  };
  const bare = join(tmp, 'git', 'repo.git');
  await makeBareRepo(join(tmp, 'work'), bare, files, ['v1.2.3', 'sdk/metric/v0.5.0']);
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

describe.skipIf(tools.skip)('the go command against our server', () => {
  const children: ChildProcess[] = [];
  let tmp = '';
  let consumer = '';
  let env: NodeJS.ProcessEnv = {};
  let server: Server | undefined;

  const go = (...args: string[]) =>
    run('go', args, { cwd: consumer, env, timeoutMs: GO_TIMEOUT_MS });
  const modCache = (...parts: string[]) => join(env.GOMODCACHE ?? '', ...parts);

  beforeAll(async () => {
    tools.check();
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
    await mustRun('go', ['mod', 'init', 'example.test/consumer'], { cwd: consumer, env });
  }, 60_000);

  afterAll(async () => {
    // stop() asks with SIGTERM first: `git daemon` passes it on to the git-daemon
    // it started; SIGKILL would not.
    for (const child of children.reverse()) await stop(child);
    if (!tmp) return;
    // The module cache is read-only; go itself knows how to remove it.
    if (consumer) await go('clean', '-modcache');
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
    const ran = await run(join(consumer, 'consumer'), [], {
      cwd: consumer,
      env,
      timeoutMs: GO_TIMEOUT_MS,
    });
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
