// The vanity command as a user runs it: exit codes, messages, and a real serve.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaTags } from './helpers.js';
import { CLI, collect, runCli, waitFor } from './process.js';

const REAL_CONFIG = resolve('vanity.yaml');
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  dir = mkdtempSync(join(tmpdir(), 'vanity-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, dir, env);

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('usage', () => {
  it('prints help and exits 0', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('serve');
    expect(stdout).toContain('check');
    const serve = run(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/--config <file>[\s\S]*--port <port>[\s\S]*--listen <host>/);
  });

  it.each([
    [[]],
    [['help', 'bogus']],
    [['serve', '--trust-proxy', 'garbage', '--config', REAL_CONFIG]],
    [['serve', '--trust-proxy', '10.0.0.0/99', '--config', REAL_CONFIG]],
    [['bogus']],
    [['serve', '--bogus']],
    [['serve', '--port', 'abc', '--config', REAL_CONFIG]],
    [['serve', '--port', '70000', '--config', REAL_CONFIG]],
  ])('exits 2 on a usage error: %j', (args) => {
    const { code, stderr } = run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error|invalid|unknown/i);
  });

  it('refuses to serve without --config when there is no ./vanity.yaml', () => {
    const { code, stderr } = run(['serve']);
    expect(code).toBe(2);
    expect(stderr).toContain('no config: there is no vanity.yaml in');
    expect(stderr).toContain('--config FILE');
  });

  it('takes the config from $VANITY_CONFIG when there is no --config', () => {
    const { code, stdout } = run(['check'], { VANITY_CONFIG: REAL_CONFIG });
    expect(code).toBe(0);
    expect(stdout).toContain(`${REAL_CONFIG}: ok, 10 modules`);
  });

  it('says why the health check failed', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = String((blocker.address() as AddressInfo).port);
    await new Promise((done) => blocker.close(done));
    const { code, stderr } = run(['health', '--port', port]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^unhealthy: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/vanity\/health: ECONNREFUSED/,
    );
  });

  it('exits 2 when $PORT is not a port', () => {
    const { code, stderr } = run(['serve', '--config', REAL_CONFIG], { PORT: 'http' });
    expect(code).toBe(2);
    expect(stderr).toContain('PORT="http" is not a port number');
  });
});

describe('vanity check', () => {
  it('lists the modules of the real registry and exits 0', () => {
    const { code, stdout } = run(['check', '--config', REAL_CONFIG]);
    expect(code).toBe(0);
    expect(stdout).toContain('ok, 10 modules');
    expect(stdout).toContain(
      'go.opentelemetry.io/otel git https://github.com/open-telemetry/opentelemetry-go',
    );
  });

  it('reports every problem with file, line and column, and exits 1', () => {
    const file = writeConfig(
      'bad.yaml',
      'host: go.example.org\npaths:\n  /a:\n    rpeo: https://github.com/u/a\n  b:\n    repo: x\n',
    );
    const { code, stderr } = run(['check', '--config', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${file}:4:5: paths./a.rpeo: unknown key "rpeo"; did you mean "repo"?`,
    );
    expect(stderr).toMatch(new RegExp(`${file}:5:3: paths\\.b: module path must start with "/"`));
    expect(stderr).toContain('problems in the config; fix and rerun');
  });

  it('exits 1 naming a missing file', () => {
    const { code, stderr } = run(['check', '--config', 'missing.yaml']);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.yaml:1:1: no such file');
  });

  it('counts one module in the singular', () => {
    const file = writeConfig('one.yaml', 'paths:\n  /a:\n    repo: https://github.com/u/a\n');
    expect(run(['check', '--config', file]).stdout).toContain('ok, 1 module\n');
  });

  it('prints a hundred problems, then how many more, and the summary last', () => {
    const lines = ['paths:'];
    for (let i = 0; i < 150; i++) lines.push(`  /m${i}:`, `    rpeo: https://github.com/u/m${i}`);
    const file = writeConfig('many.yaml', `${lines.join('\n')}\n`);
    const { code, stderr } = run(['check', '--config', file]);
    expect(code).toBe(1);
    const printed = stderr.trim().split('\n');
    expect(printed).toHaveLength(102);
    expect(printed[100]).toBe('... and 50 more');
    expect(printed[101]).toBe('vanity: 150 problems in the config; fix and rerun');
  });

  it('warns when host is not set', () => {
    const file = writeConfig('nohost.yaml', 'paths:\n  /a:\n    repo: https://github.com/u/a\n');
    const { code, stderr } = run(['check', '--config', file]);
    expect(code).toBe(0);
    expect(stderr).toContain('host is not set');
  });
});

describe('vanity serve', () => {
  it('never starts on an invalid config', () => {
    const file = writeConfig('invalid.yaml', 'paths:\n  /a:\n    vcs: git\n');
    const { code, stderr } = run(['serve', '--config', file, '--port', '0']);
    expect(code).toBe(1);
    expect(stderr).toContain('missing "repo"');
  });

  it('exits 1 with a clear line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = String((blocker.address() as AddressInfo).port);
    const args = ['serve', '--config', REAL_CONFIG, '--port', port, '--listen', '127.0.0.1'];
    const { code, stderr } = run(args);
    blocker.close();
    expect(code).toBe(1);
    expect(stderr).toMatch(/^vanity: listen EADDRINUSE: address already in use/m);
    expect(stderr.match(/EADDRINUSE/g)).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('serves the real registry, logs each request, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [
      CLI,
      'serve',
      '--config',
      REAL_CONFIG,
      '--port',
      '0',
      '--listen',
      '127.0.0.1',
    ]);
    const output = collect(child);
    const address = await waitFor(output, /listening address=(\S+)/);
    expect(output.text).toMatch(
      /info start config=\S+vanity\.yaml modules=10 host=go\.opentelemetry\.io/,
    );

    const res = await fetch(`${address}/otel/sdk/metric?go-get=1`);
    expect(res.status).toBe(200);
    expect(metaTags(await res.text(), 'go-import')).toEqual([
      'go.opentelemetry.io/otel git https://github.com/open-telemetry/opentelemetry-go',
    ]);
    await waitFor(
      output,
      /request method=GET path=\/otel\/sdk\/metric\?go-get=1 status=200 kind=go-get/,
    );

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
    expect(output.text).toContain('info stopped');
  });
});

describe('serving, odd setups', () => {
  it('listens on a bracketed IPv6 address as the listening line prints it', async () => {
    const child = spawn(process.execPath, [
      CLI,
      'serve',
      '--config',
      REAL_CONFIG,
      '--port',
      '0',
      '--listen',
      '[::1]',
      '--quiet',
    ]);
    const output = collect(child);
    const address = await waitFor(output, /listening address=(\S+)/);
    expect(address).toMatch(/^http:\/\/\[::1\]:[0-9]+$/);
    expect((await fetch(`${address}/.well-known/vanity/health`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await new Promise((done) => child.on('exit', done))).toBe(0);
  });

  it('keeps serving when the reader of its output goes away', async () => {
    const args = ['serve', '--config', REAL_CONFIG, '--port', '0', '--listen', '127.0.0.1'];
    const child = spawn(process.execPath, [CLI, ...args]);
    const output = collect(child);
    const address = await waitFor(output, /listening address=(\S+)/);
    child.stdout?.destroy();
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${address}/otel?go-get=1`)).status).toBe(200);
    }
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    await new Promise((done) => child.on('exit', done));
    expect(output.text).not.toContain('EPIPE');
  });
});

describe('draining', () => {
  it('keeps answering during --drain-delay while readiness says 503', async () => {
    const args = ['serve', '--config', REAL_CONFIG, '--port', '0', '--listen', '127.0.0.1'];
    const child = spawn(process.execPath, [CLI, ...args, '--drain-delay', '1']);
    const output = collect(child);
    const address = await waitFor(output, /listening address=(\S+)/);
    expect((await fetch(`${address}/.well-known/vanity/ready`)).status).toBe(200);

    child.kill('SIGTERM');
    await waitFor(output, /info stopping signal=SIGTERM drain_delay_s=1/);
    const ready = await fetch(`${address}/.well-known/vanity/ready`);
    expect(ready.status).toBe(503);
    const page = await fetch(`${address}/otel?go-get=1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('connection')).toBe('close');

    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
  });
});
