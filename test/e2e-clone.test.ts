// End to end: real git clones and go fetches through clone redirects and wildcard paths.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gitEnv,
  makeBareRepo,
  mustRun,
  requireTools,
  run,
  startServer,
  stop,
  waitUntil,
} from './e2e-tools.js';
import type { Server } from './e2e-tools.js';
import { startGitHttpBackend } from './git-http-backend.js';
import type { GitHttpBackend } from './git-http-backend.js';

const HOST = 'vanity.test';
const INSTALL = 'apt-get install -y golang-go git';

const tools = requireTools('e2e-clone', ['go', 'git'], INSTALL);

/** One Go module per repository; `source` tells which repository a fetch came from. */
function moduleFiles(module: string, source: string): Record<string, string> {
  const name = module.slice(module.lastIndexOf('/') + 1);
  return {
    'go.mod': `module ${HOST}/${module}\n\ngo 1.19\n`,
    [`${name}.go`]: `package ${name}\n\nconst Source = "${source}"\n`,
    'sub/pkg/pkg.go': 'package pkg\n\nconst Deep = true\n',
  };
}

/** Repositories for `/*` and `/team/*`; beta.git is the one the explicit `/beta` must hide. */
async function makeRepos(tmp: string): Promise<string> {
  const root = join(tmp, 'repos');
  const repos = [
    ['alpha', 'alpha', 'wildcard alpha'],
    ['beta', 'beta', 'wildcard beta'],
    ['beta-explicit', 'beta', 'explicit beta'],
    ['team-gamma', 'team/gamma', 'team gamma'],
  ];
  for (const [repo = '', module = '', source = ''] of repos) {
    const files = moduleFiles(module, source);
    await makeBareRepo(join(tmp, 'work', repo), join(root, `${repo}.git`), files, ['v1.0.0']);
  }
  return root;
}

function vanityYaml(backendPort: number): string {
  const base = `http://127.0.0.1:${backendPort}`;
  return [
    `host: ${HOST}`,
    'paths:',
    '  /*:',
    `    repo: ${base}/*.git`,
    '  /team/*:',
    `    repo: ${base}/team-*.git`,
    '  /beta:',
    `    repo: ${base}/beta-explicit.git`,
    '  /hgmod:',
    '    repo: https://hg.example.invalid/hgmod',
    '    vcs: hg',
    '',
  ].join('\n');
}

/**
 * Proxies that keep every tool on loopback: a host other than 127.0.0.1 goes to
 * our server, which answers plain http itself and refuses CONNECT. That is how
 * vanity.test reaches our server, and how a regression that sent git or go to
 * the docs site would fail here instead of going out. Both spellings: curl
 * reads only the lower-case http_proxy.
 */
function loopbackProxies(serverPort: number): NodeJS.ProcessEnv {
  const proxy = `http://127.0.0.1:${serverPort}`;
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['http_proxy', 'https_proxy']) {
    env[name] = proxy;
    env[name.toUpperCase()] = proxy;
  }
  return { ...env, no_proxy: '127.0.0.1', NO_PROXY: '127.0.0.1' };
}

/**
 * The go command fails over from https (its CONNECT is refused) to http, as
 * GOINSECURE allows, asks our server, and gets an http:// repo on 127.0.0.1.
 */
function goEnv(tmp: string, serverPort: number): NodeJS.ProcessEnv {
  return {
    ...gitEnv(join(tmp, 'home')),
    ...loopbackProxies(serverPort),
    GOPATH: join(tmp, 'gopath'),
    GOMODCACHE: join(tmp, 'gopath', 'pkg', 'mod'),
    GOCACHE: join(tmp, 'gocache'),
    GOPROXY: 'direct',
    GOSUMDB: 'off',
    // A writable module cache lets rm clean up without `go clean -modcache`.
    GOFLAGS: '-mod=mod -modcacherw',
    GOTOOLCHAIN: 'local',
    GOINSECURE: HOST,
  };
}

/** A request line of our server's log; `path` and `module` are regexp sources. */
function logLine(path: string, status: number, kind: string, module: string): RegExp {
  const fields = `path=${path} status=${status} kind=${kind} module=${module}`;
  return new RegExp(`request method=GET ${fields} `);
}

/** The part of `go mod download -json` output this test reads. */
interface Downloaded {
  Dir?: string;
}

describe.skipIf(tools.skip)('git and go through clone redirects and wildcard paths', () => {
  let tmp = '';
  let backend: GitHttpBackend | undefined;
  let server: Server | undefined;
  let goEnvironment: NodeJS.ProcessEnv = {};
  let gitEnvironment: NodeJS.ProcessEnv = {};
  let consumer = '';

  const git = (...args: string[]) => run('git', args, { cwd: tmp, env: gitEnvironment });
  const go = (...args: string[]) => run('go', args, { cwd: consumer, env: goEnvironment });
  const ours = (path: string) => `http://127.0.0.1:${server?.port}${path}`;

  /** Each line is written when its response finishes: give the log pipe a moment. */
  async function expectLogged(...lines: RegExp[]): Promise<void> {
    const logged = async () => lines.every((line) => line.test(server?.log() ?? ''));
    await waitUntil('the request lines', 5_000, logged).catch(() => undefined);
    for (const line of lines) expect(server?.log()).toMatch(line);
  }

  /** Clones through our server and reads the module's main file from the working tree. */
  async function cloneAndRead(path: string, file: string): Promise<string> {
    const dir = join(tmp, 'clones', path.replaceAll('/', '_'));
    const result = await git('clone', '-q', ours(path), dir);
    expect(result.code, result.output).toBe(0);
    return readFile(join(dir, file), 'utf8');
  }

  beforeAll(async () => {
    tools.check();
    tmp = await mkdtemp(join(tmpdir(), 'vanity-e2e-clone-'));
    await mkdir(join(tmp, 'home'), { recursive: true });
    const root = await makeRepos(tmp);
    backend = await startGitHttpBackend(root, gitEnv(join(tmp, 'home')));

    const config = join(tmp, 'vanity.yaml');
    await writeFile(config, vanityYaml(backend.port));
    server = await startServer(config);

    gitEnvironment = { ...gitEnv(join(tmp, 'home')), ...loopbackProxies(server.port) };
    goEnvironment = goEnv(tmp, server.port);
    consumer = join(tmp, 'consumer');
    await mkdir(consumer, { recursive: true });
    await mustRun('go', ['mod', 'init', 'example.test/consumer'], {
      cwd: consumer,
      env: goEnvironment,
    });
  }, 30_000);

  afterAll(async () => {
    if (server) await stop(server.child);
    if (backend) await backend.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 20_000);

  describe('git clone of a vanity URL', () => {
    it('clones a wildcard module from the repository its name maps to', async () => {
      expect(await cloneAndRead('/alpha', 'alpha.go')).toContain('"wildcard alpha"');
    });

    it('clones the repository from a package path below the module', async () => {
      expect(await cloneAndRead('/alpha/sub/pkg', 'sub/pkg/pkg.go')).toContain('Deep');
    });

    it('clones through a wildcard below a folder (/team/*)', async () => {
      expect(await cloneAndRead('/team/gamma', 'gamma.go')).toContain('"team gamma"');
    });

    it('clones the explicit entry, not the repository the wildcard would name', async () => {
      expect(await cloneAndRead('/beta', 'beta.go')).toContain('"explicit beta"');
    });

    it('fails for an hg module, showing our message and cloning nothing', async () => {
      const dir = join(tmp, 'clones', 'hgmod');
      const result = await git('clone', '-q', ours('/hgmod'), dir);
      expect(result.code, result.output).not.toBe(0);
      expect(result.output).toContain(
        'remote: Clone the repository itself: hg clone https://hg.example.invalid/hgmod',
      );
      expect(existsSync(dir)).toBe(false);
    });

    it('refuses a push, naming the repository to push to instead', async () => {
      const work = join(tmp, 'work', 'alpha');
      const result = await git('-C', work, 'push', ours('/alpha'), 'HEAD:refs/heads/pushed');
      expect(result.code, result.output).not.toBe(0);
      const repo = `http://127.0.0.1:${backend?.port}/alpha.git`;
      expect(result.output).toContain(
        `remote: This server only names the repository; push to it directly: ${repo}`,
      );
      expect(backend?.hits.map((hit) => hit.path).join('\n')).not.toContain('receive-pack');
    });

    it('was redirected by our server, then fetched from the repository host', async () => {
      const paths = (backend?.hits ?? []).map((hit) => `${hit.method} ${hit.path} ${hit.status}`);
      expect(paths).toContain('GET /alpha.git/info/refs?service=git-upload-pack 200');
      expect(paths).toContain('POST /alpha.git/git-upload-pack 200');
      expect(paths).toContain('GET /beta-explicit.git/info/refs?service=git-upload-pack 200');
      expect(paths).not.toContain('GET /beta.git/info/refs?service=git-upload-pack 200');
      const clone = (path: string, status: number, module: string) =>
        logLine(`${path}/info/refs\\?service=git-upload-pack`, status, 'clone', module);
      await expectLogged(clone('/alpha', 302, '/\\*'), clone('/hgmod', 404, '/hgmod'));
    });
  });

  describe('the go command with a wildcard entry', () => {
    async function download(module: string): Promise<Downloaded> {
      const result = await go('mod', 'download', '-json', `${HOST}/${module}@v1.0.0`);
      expect(result.code, result.output).toBe(0);
      return JSON.parse(result.stdout) as Downloaded;
    }

    it('downloads a module that only the wildcard names', async () => {
      const { Dir = '' } = await download('alpha');
      expect(await readFile(join(Dir, 'alpha.go'), 'utf8')).toContain('"wildcard alpha"');
    });

    it('lists the tagged versions of a wildcard module', async () => {
      const result = await go('list', '-m', '-versions', `${HOST}/alpha`);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout.trim().split(/\s+/)).toEqual([`${HOST}/alpha`, 'v1.0.0']);
    });

    it('gets a package below a wildcard module', async () => {
      const result = await go('get', `${HOST}/alpha/sub/pkg@v1.0.0`);
      expect(result.code, result.output).toBe(0);
      const goMod = await readFile(join(consumer, 'go.mod'), 'utf8');
      expect(goMod).toMatch(/\bvanity\.test\/alpha v1\.0\.0\b/);
      const cached = join(goEnvironment.GOMODCACHE ?? '', HOST, 'alpha@v1.0.0', 'sub', 'pkg');
      expect(existsSync(join(cached, 'pkg.go'))).toBe(true);
    });

    it('gets a package of a module below a folder wildcard (/team/*)', async () => {
      const result = await go('get', `${HOST}/team/gamma/sub/pkg@v1.0.0`);
      expect(result.code, result.output).toBe(0);
      const goMod = await readFile(join(consumer, 'go.mod'), 'utf8');
      expect(goMod).toMatch(/\bvanity\.test\/team\/gamma v1\.0\.0\b/);
    });

    it('takes the explicit entry over the wildcard for its path', async () => {
      const { Dir = '' } = await download('beta');
      expect(await readFile(join(Dir, 'beta.go'), 'utf8')).toContain('"explicit beta"');
    });

    it('was answered by the wildcard for alpha and by the explicit entry for beta', async () => {
      const goGet = (path: string, module: string) =>
        logLine(`(?:http://${HOST})?${path}\\?go-get=1`, 200, 'go-get', module);
      await expectLogged(goGet('/alpha', '/\\*'), goGet('/beta', '/beta'));
      expect(server?.log()).not.toMatch(goGet('/beta', '/\\*'));
    });
  });
});
