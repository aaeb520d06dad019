// `vanity build` as a user runs it: what it writes, what it prints, and its exit codes.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaTags } from './helpers.js';
import { CLI, runCli } from './process.js';

const REAL_CONFIG = resolve('vanity.yaml');
let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  dir = mkdtempSync(join(tmpdir(), 'vanity-cli-build-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCli(args, dir);

describe('vanity build', () => {
  it('writes the real registry to ./site and counts modules, pages and rules', () => {
    const { code, stdout, stderr } = run(['build', '--config', REAL_CONFIG]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${REAL_CONFIG}: wrote site for go.opentelemetry.io: ` +
        '10 modules, 12 pages, 47 redirect rules\n',
    );

    const page = readFileSync(join(dir, 'site/.well-known/vanity/m/otel@.html'), 'utf8');
    expect(metaTags(page, 'go-import')).toEqual([
      'go.opentelemetry.io/otel git https://github.com/open-telemetry/opentelemetry-go',
    ]);
    expect(readFileSync(join(dir, 'site/_redirects'), 'utf8')).toContain(
      '/otel https://pkg.go.dev/go.opentelemetry.io/otel 302!',
    );
  });

  it('writes where --out says, and again over its own earlier output', () => {
    for (let i = 0; i < 2; i++) {
      const { code } = run(['build', '-c', REAL_CONFIG, '-o', 'public']);
      expect(code).toBe(0);
    }
    expect(existsSync(join(dir, 'public/_headers'))).toBe(true);
  });

  it('exits 1 and says to add host: when the config has none', () => {
    writeFileSync(join(dir, 'nohost.yaml'), 'paths:\n  /a:\n    repo: https://github.com/u/a\n');
    const { code, stderr } = run(['build', '--config', 'nohost.yaml', '--out', 'nohost']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^vanity: nohost\.yaml: host is not set.*add "host: go\.example\.org"/);
    expect(existsSync(join(dir, 'nohost'))).toBe(false);
  });

  it('exits 1 rather than write into a folder of other files', () => {
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    mkdirSync(join(dir, 'mine'), { recursive: true });
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'mine');
    const { code, stderr } = run(['build', '-c', REAL_CONFIG, '--out', 'mine']);
    expect(code).toBe(1);
    expect(stderr).toContain('did not write (notes.txt); choose a new or empty folder with --out');
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('mine');
    expect(run(['build', '-c', REAL_CONFIG, '--out', '.']).stderr).toContain(
      'choose a folder of its own',
    );
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('lists its flags in --help', () => {
    const { code, stdout } = run(['build', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--config <file>[\s\S]*--out <dir>[\s\S]*default: "site"/);
  });
});
