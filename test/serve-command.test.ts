// `vanity serve` as operators run it: several domains, reloads under load, --watch, TLS, HSTS.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from './check-fixtures.js';
import { metaTags } from './helpers.js';
import { freePort, waitFor } from './process.js';

const CLI = resolve('dist/cli.js');
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  dir = mkdtempSync(join(tmpdir(), 'vanity-serve-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config with `count` modules /m0.. whose repos all live under github.com/<org>. */
function registry(host: string, org: string, count = 20): string {
  const lines = [`host: ${host}`, 'paths:'];
  for (let i = 0; i < count; i++)
    lines.push(`  /m${i}:`, `    repo: https://github.com/${org}/m${i}`);
  return `${lines.join('\n')}\n`;
}

/** Replaces a file in one step, as editors and secret mounts do. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

interface Server {
  child: ChildProcess;
  url: string;
  output: { text: string };
}

async function serve(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [
    CLI,
    'serve',
    '--port',
    '0',
    '--listen',
    '127.0.0.1',
    ...args,
  ]);
  children.push(child);
  const output = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
  const url = await waitFor(output, /listening address=(\S+)/);
  return { child, url, output };
}

/** GET over plain http with a chosen Host; bounded by 5 s. */
function get(url: string, path: string, host: string, agent?: Agent) {
  return new Promise<{ status: number; body: string }>((done, fail) => {
    const req = httpRequest(`${url}${path}`, { headers: { host }, agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', fail);
    req.end();
  });
}

const tagOf = (body: string) => metaTags(body, 'go-import')[0] ?? '';

describe('several domains', () => {
  it('serves each --config for its own host', async () => {
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    writeFileSync(a, registry('go.a.example', 'a'));
    writeFileSync(b, registry('go.b.example', 'b'));
    const { url, output } = await serve(['--config', a, '--config', b, '--quiet']);

    expect(output.text).toMatch(/start config=\S+a\.yaml modules=20 host=go\.a\.example/);
    expect(tagOf((await get(url, '/m1/x?go-get=1', 'go.a.example')).body)).toBe(
      'go.a.example/m1 git https://github.com/a/m1',
    );
    expect(tagOf((await get(url, '/m1?go-get=1', 'go.b.example:8080')).body)).toBe(
      'go.b.example/m1 git https://github.com/b/m1',
    );
    expect((await get(url, '/m1?go-get=1', 'go.c.example')).status).toBe(404);
  });
});

describe('reloads', () => {
  it('swaps whole registries under load, and keeps the old one when the new is invalid', async () => {
    const file = join(dir, 'reload.yaml');
    const configs = [registry('go.r.example', 'one'), registry('go.r.example', 'two')];
    writeFileSync(file, configs[0] ?? '');
    const { child, url, output } = await serve(['--config', file, '--quiet']);

    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const seen = new Set<string>();
    let failures = 0;
    let requests = 0;
    const load = async () => {
      const until = Date.now() + 2500;
      for (let i = 0; Date.now() < until && i < 5000; i++) {
        const n = i % 20;
        const res = await get(url, `/m${n}/deep/pkg?go-get=1`, 'go.r.example', agent);
        requests++;
        const org = /github\.com\/(one|two)\/m(\d+)$/.exec(tagOf(res.body));
        if (res.status !== 200 || !org || org[2] !== String(n)) failures++;
        else seen.add(org[1] ?? '');
      }
    };
    const reloads = async () => {
      for (let i = 1; i <= 10; i++) {
        await new Promise((done) => setTimeout(done, 200));
        replace(file, i % 5 === 0 ? 'paths: [broken\n' : (configs[i % 2] ?? ''));
        child.kill('SIGHUP');
      }
    };
    await Promise.all([load(), load(), load(), load(), reloads()]);
    agent.destroy();

    expect(failures).toBe(0);
    expect(requests).toBeGreaterThan(100);
    expect(seen).toEqual(new Set(['one', 'two']));
    expect(output.text).toMatch(/info reloaded reason=SIGHUP modules=20/);
    expect(output.text).toMatch(
      /error reload-failed reason=SIGHUP problems=1 kept="previous config"/,
    );
    expect(output.text).toMatch(
      /error config-problem problem=".*reload\.yaml:\d+:\d+: YAML syntax/,
    );
  });

  it('reloads on its own with --watch when the file is replaced', async () => {
    const file = join(dir, 'watch.yaml');
    writeFileSync(file, registry('go.w.example', 'before', 2));
    const { url, output } = await serve(['--config', file, '--watch', '--quiet']);
    expect(tagOf((await get(url, '/m1?go-get=1', 'x.example')).body)).toMatch(/\/before\/m1$/);

    const mark = output.text.length;
    replace(file, registry('go.w.example', 'after', 2));
    await waitFor(output, /info reloaded reason=watch:\S+watch\.yaml/, mark);
    expect(tagOf((await get(url, '/m1?go-get=1', 'x.example')).body)).toMatch(/\/after\/m1$/);
  });
});

describe('workers', () => {
  it('shares one port among processes, reloads each, replaces a dead one, and drains all', async () => {
    const file = join(dir, 'pool.yaml');
    writeFileSync(file, registry('go.pool.example', 'pool', 3));
    const port = await freePort();
    const { child, url, output } = await serve([
      '--config',
      file,
      '--workers',
      '2',
      '--port',
      String(port),
      '--quiet',
    ]);
    await waitFor(output, /listening[\s\S]*listening/);
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(tagOf((await get(url, '/m2?go-get=1', 'x.example')).body)).toMatch(/\/pool\/m2$/);

    replace(file, registry('go.pool.example', 'moved', 3));
    child.kill('SIGHUP');
    await waitFor(output, /reloaded[\s\S]*reloaded/);
    expect(tagOf((await get(url, '/m2?go-get=1', 'x.example')).body)).toMatch(/\/moved\/m2$/);

    const workerPid = workerOf(child.pid ?? 0);
    process.kill(workerPid, 'SIGKILL');
    await waitFor(output, /error worker-died worker=\d+ signal=SIGKILL/);
    await waitFor(output, /worker-died[\s\S]*listening/);

    child.kill('SIGTERM');
    expect(await new Promise((done) => child.on('exit', done))).toBe(0);
    expect(output.text.match(/info stopped/g)?.length).toBe(2);
  });
});

describe('TLS', () => {
  it('serves https, takes a renewed certificate on SIGHUP, and keeps it over a bad one', async () => {
    const ca = await makeCa('Test Trust', 'Test Root');
    const first = await makeLeaf(ca, ['go.t.example'], -1, 30);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    writeFileSync(cert, first.cert);
    writeFileSync(key, first.key);
    const config = join(dir, 'tls.yaml');
    writeFileSync(config, registry('go.t.example', 'tls', 2));
    const args = ['--config', config, '--tls-cert', cert, '--tls-key', key, '--hsts', '--quiet'];
    const { child, url, output } = await serve(args);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const before = await tlsGet(url, ca.certPem);
    expect(tagOf(before.body)).toBe('go.t.example/m1 git https://github.com/tls/m1');
    expect(before.hsts).toBe('max-age=31536000');

    const renewed = await makeLeaf(ca, ['go.t.example'], -1, 90);
    replace(cert, renewed.cert);
    replace(key, renewed.key);
    let mark = output.text.length;
    child.kill('SIGHUP');
    await waitFor(output, /info tls-reloaded/, mark);
    const after = await tlsGet(url, ca.certPem);
    expect(after.validTo).not.toBe(before.validTo);

    replace(cert, 'not a certificate');
    mark = output.text.length;
    child.kill('SIGHUP');
    await waitFor(output, /error tls-reload-failed error=.* kept="previous key"/, mark);
    expect((await tlsGet(url, ca.certPem)).validTo).toBe(after.validTo);
  });

  it('refuses --hsts without TLS, and half a key pair', async () => {
    const config = join(dir, 'plain.yaml');
    writeFileSync(config, registry('go.p.example', 'p', 1));
    const hsts = await exitOf(['--config', config, '--hsts']);
    expect(hsts.code).toBe(2);
    expect(hsts.text).toContain('--hsts needs --tls-cert and --tls-key');
    const half = await exitOf(['--config', config, '--tls-cert', config]);
    expect(half.code).toBe(1);
    expect(half.text).toContain('--tls-cert and --tls-key go together');
  });
});

/** A worker of `primary`: a process whose parent it is, found in /proc. */
function workerOf(primary: number): number {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat = '';
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    // Fields after the command name, which sits in parentheses: state, then parent pid.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent === primary) return Number(pid);
  }
  throw new Error(`no worker of ${primary} found`);
}

async function exitOf(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args]);
  children.push(child);
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  return { code, text };
}

/** GET /m1?go-get=1 over https, trusting `ca`; returns the body, HSTS and certificate expiry. */
function tlsGet(url: string, ca: string) {
  return new Promise<{ body: string; hsts: string | undefined; validTo: string }>((done, fail) => {
    const options = { ca, servername: 'go.t.example', agent: false as const, timeout: 5000 };
    const req = httpsRequest(`${url}/m1?go-get=1`, options, (res) => {
      const validTo = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().valid_to;
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        const hsts = res.headers['strict-transport-security'];
        done({ body, hsts, validTo });
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
    req.on('error', fail);
    req.end();
  });
}
