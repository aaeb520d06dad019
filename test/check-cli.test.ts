// `vanity check --live` as a scheduled job runs it: the real CLI, loopback servers, exit codes.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import { createApp } from '../src/app.js';
import { SCHEMA } from '../src/check/report.js';
import { CONFIG, HOST, makeCa, makeLeaf, startDns, startHttps } from './check-fixtures.js';
import type { CaaSpec, TestCa } from './check-fixtures.js';
import { registryFrom } from './helpers.js';

const CLI = resolve('dist/cli.js');
let dir: string;
let ca: TestCa;
let configFile: string;
let caFile: string;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  dir = mkdtempSync(join(tmpdir(), 'vanity-live-'));
  ca = await makeCa('Google Trust Services', 'WR1');
  configFile = join(dir, 'vanity.yaml');
  writeFileSync(configFile, CONFIG);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const broken = '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n';
  writeFileSync(join(dir, 'broken.pem'), broken);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process, whose servers must keep answering. */
function vanity(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const env = { ...process.env, NO_COLOR: '1' };
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: dir, env, timeout: 15_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A deployment on loopback: the app over TLS and a DNS server with `zone`; its CLI arguments. */
async function deployment(zone: Record<string, CaaSpec[]>, validDays: number): Promise<string[]> {
  const leaf = await makeLeaf(ca, [HOST], -80, validDays);
  const server = await startHttps(leaf, createApp(new Answerer(registryFrom(CONFIG))));
  const dns = await startDns(zone);
  open.push(server, dns);
  return [
    'check',
    '--config',
    configFile,
    '--live',
    `https://${HOST}`,
    '--connect',
    `127.0.0.1:${server.port}`,
    '--resolver',
    dns.address,
    '--ca-file',
    caFile,
    '--timeout',
    '2',
  ];
}

const INCIDENT = { [HOST]: [], 'vanity.test': [{ tag: 'issue', value: 'letsencrypt.org' }] };
const HEALTHY = {
  'vanity.test': [
    { tag: 'issue', value: 'letsencrypt.org' },
    { tag: 'issue', value: 'pki.goog' },
    { tag: 'iodef', value: 'mailto:security@vanity.test' },
  ],
};

describe('vanity check --live', () => {
  it('fails the 2025 incident and names the record to add', async () => {
    const args = await deployment(INCIDENT, 5);
    const run = await vanity([...args, '--platform', 'appengine']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('fix: add vanity.test. CAA 0 issue "pki.goog"');
    expect(run.stdout).toMatch(/FAIL\s+tls\.expiry\s+go\.vanity\.test\s+expires in [45] days/);
    expect(run.stdout).toMatch(/^failure: \d+ ok, 1 warning, 3 failures$/m);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stderr).toBe('');
  });

  it('passes a healthy setup, with exit 0 even under --strict', async () => {
    const args = await deployment(HEALTHY, 60);
    const run = await vanity([...args, '--platform', 'appengine', '--strict']);
    expect(run.stdout).toMatch(/^pass: 15 ok, 0 warnings, 0 failures$/m);
    expect(run.code).toBe(0);
  });

  it('prints JSON in the documented schema', async () => {
    const args = await deployment(INCIDENT, 5);
    const run = await vanity([...args, '--platform', 'appengine', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
      'schema',
      'url',
      'host',
      'platform',
      'checkedAt',
      'status',
      'exitCode',
      'summary',
      'findings',
    ]);
    expect(report).toMatchObject({
      schema: SCHEMA,
      url: `https://${HOST}`,
      host: HOST,
      platform: 'appengine',
      status: 'failure',
      exitCode: 1,
      summary: { warning: 1, failure: 3 },
    });
    expect(Date.parse(report.checkedAt as string)).not.toBeNaN();
    const findings = report.findings as Record<string, unknown>[];
    for (const item of findings) {
      expect(Object.keys(item).sort()).toEqual(
        item.fix === undefined
          ? ['check', 'message', 'status', 'subject']
          : ['check', 'fix', 'message', 'status', 'subject'],
      );
      expect(['ok', 'warning', 'failure']).toContain(item.status);
    }
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'caa.platform',
        fix: 'add vanity.test. CAA 0 issue "pki.goog"',
      }),
    );
  });

  it('exits 0 with warnings, 1 with --strict', async () => {
    const args = await deployment(HEALTHY, 60);
    const lenient = await vanity(args);
    expect(lenient.stdout).toContain('WARN    caa.platform');
    expect(lenient.code).toBe(0);
    const strict = await vanity([...args, '--strict', '--json']);
    expect(JSON.parse(strict.stdout)).toMatchObject({ status: 'warning', exitCode: 1 });
    expect(strict.code).toBe(1);
  });

  it('refuses live-only flags without --live, and keeps plain check working', async () => {
    const stray = await vanity(['check', '--config', configFile, '--json']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--json only works with --live');
    const plain = await vanity(['check', '--config', configFile]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('ok, 2 modules');
  });
});

describe('vanity check --live usage errors', () => {
  // Each case is a process of its own and opens no server: run them side by side.
  // The messages themselves are checked in process, by check-options.test.ts.
  it.concurrent.for([
    [['--platform', 'heroku'], '--platform "heroku" is not one of'],
    [['--connect', ''], '--connect "" is not HOST:PORT'],
    [['--ca-file', 'broken.pem'], '--ca-file broken.pem: certificate 1 (line 1) is not valid'],
    [['--timeout', '0.0001'], '--timeout 0.0001: use at least 0.1 seconds'],
  ] as const)('exits 2 on a bad value: %j', async ([extra, message], { expect }) => {
    const run = await vanity(['check', '--config', configFile, '--live', ...extra]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
