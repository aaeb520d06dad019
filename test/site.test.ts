// buildSite(): the files it writes hold answer()'s bytes, and its rules come in Netlify's order.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Answerer, HEALTH_PATH, INDEX_JSON_PATH } from '../src/answer.js';
import { securityHeaders } from '../src/security.js';
import { buildSite, planSite } from '../src/site.js';
import { NESTED, registryFrom, ROOT } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vanity-build-'));
  dirs.push(dir);
  return dir;
}

const text = (plan: ReturnType<typeof planSite>, path: string): string =>
  plan.files.get(path)?.toString('utf8') ?? '';

/** The header lines under `path` in a _headers file, unindented. */
function headerBlock(headers: string, path: string): string[] {
  const lines = headers.split('\n');
  const start = lines.indexOf(path) + 1;
  const end = lines.findIndex((line, i) => i >= start && !line.startsWith('  '));
  return lines.slice(start, end).map((line) => line.trim());
}

/** The rule lines of a _redirects file, comments left out. */
const ruleLines = (redirects: string): string[] =>
  redirects.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('the files', () => {
  const registry = registryFrom(NESTED);
  const answerer = new Answerer(registry);
  const get = (target: string) => answerer.answer({ method: 'GET', target }).body;

  it('writes each page with the bytes answer() sends for it', async () => {
    const dir = join(tempDir(), 'site');
    const report = await buildSite(answerer, { outDir: dir });
    const file = (path: string) => readFileSync(join(dir, path));

    for (const module of registry.modules) {
      const page = `.well-known/vanity/m/${module.path.slice(1)}@.html`;
      expect(file(page).equals(get(`${module.path}?go-get=1`))).toBe(true);
    }
    expect(file('.well-known/vanity/index.html').equals(get('/'))).toBe(true);
    expect(file('404.html').equals(get('/nope'))).toBe(true);
    expect(file('.well-known/vanity/404.html').equals(get('/nope'))).toBe(true);
    expect(file('.well-known/vanity/health.json').equals(get(HEALTH_PATH))).toBe(true);
    expect(file('.well-known/vanity/index.json').equals(get(INDEX_JSON_PATH))).toBe(true);
    expect(report).toMatchObject({ outDir: dir, modules: 4, pages: 6, rules: 23, warnings: [] });
  });

  it('writes no index when a module holds the root', () => {
    const plan = planSite(registryFrom(ROOT));
    expect([...plan.files.keys()].sort()).toEqual([
      '.well-known/vanity/404.html',
      '.well-known/vanity/health.json',
      '.well-known/vanity/index.json',
      '.well-known/vanity/m/@.html',
      '.well-known/vanity/m/tools@.html',
      '404.html',
      '_headers',
      '_redirects',
    ]);
    expect(plan.pages).toBe(3);
  });

  it('sends the security headers everywhere and each file its own Cache-Control', () => {
    const headers = text(planSite(registry), '_headers');
    for (const [name, value] of securityHeaders()) {
      expect(headerBlock(headers, '/*')).toContain(`${name}: ${value}`);
    }

    const cache = (path: string) => headerBlock(headers, path);
    expect(cache('/.well-known/vanity/m/otel/sdk@.html')).toEqual([
      'Cache-Control: public, max-age=600',
    ]);
    expect(cache('/404.html')).toEqual(['Cache-Control: public, max-age=300']);
    expect(cache('/.well-known/vanity/index.html')).toEqual(['Cache-Control: public, max-age=300']);
    expect(cache('/.well-known/vanity/health.json')).toEqual(['Cache-Control: no-store']);
  });
});

describe('the rules', () => {
  it('puts nested modules before their parents, four rules each', () => {
    const rules = ruleLines(text(planSite(registryFrom(NESTED)), '_redirects'));
    const first = (prefix: string) => rules.findIndex((line) => line.startsWith(prefix));

    expect(first('/otel/sdk/* ')).toBeLessThan(first('/otel/* '));
    expect(first('/otel/x/* ')).toBeLessThan(first('/otel/* '));
    expect(rules.filter((line) => line.startsWith('/otel/sdk'))).toEqual([
      '/otel/sdk/info/refs service=git-upload-pack ' +
        'https://github.com/example/otel-sdk/info/refs?service=git-upload-pack 302!',
      '/otel/sdk/* go-get=1 /.well-known/vanity/m/otel/sdk@.html 200!',
      '/otel/sdk https://pkg.go.dev/go.example.org/otel/sdk 302!',
      '/otel/sdk/* https://pkg.go.dev/go.example.org/otel/sdk/:splat 302!',
    ]);
  });

  it('keeps our files first and the misses last', () => {
    const rules = ruleLines(text(planSite(registryFrom(NESTED)), '_redirects'));
    expect(rules.slice(0, 3)).toEqual([
      '/.well-known/vanity/health /.well-known/vanity/health.json 200!',
      '/.well-known/vanity/index.json /.well-known/vanity/index.json 200!',
      '/.well-known/* /404.html 404!',
    ]);
    expect(rules.slice(-4)).toEqual([
      '/ go-get=1 /404.html 404!',
      '/ /.well-known/vanity/index.html 200!',
      '/404.html /.well-known/vanity/404.html 404!',
      '/* /404.html 404!',
    ]);
  });

  it('puts a module at the root last, after our files', () => {
    const rules = ruleLines(text(planSite(registryFrom(ROOT)), '_redirects'));
    expect(rules).toHaveLength(3 + 4 * 2);
    expect(rules.slice(-3)).toEqual([
      '/* go-get=1 /.well-known/vanity/m/@.html 200!',
      '/ https://pkg.go.dev/root.example.org 302!',
      '/* https://pkg.go.dev/root.example.org/:splat 302!',
    ]);
  });

  it('warns when the rules pass the limit, and not before', () => {
    const registry = registryFrom(NESTED);
    expect(planSite(registry).warnings).toEqual([]);
    expect(planSite(registry, 23).warnings).toEqual([]);
    const [warning] = planSite(registry, 22).warnings;
    expect(warning).toMatch(/^23 redirect rules, more than 22: Netlify advises against/);
  });
});

describe('refusals', () => {
  it('needs a host, and says how to add one', () => {
    const registry = registryFrom('paths:\n  /x:\n    repo: https://github.com/u/x\n');
    expect(() => planSite(registry)).toThrow(/test\.yaml: host is not set.*add "host: /);
  });

  it('replaces a folder it wrote before, so no page of a removed module stays', async () => {
    const dir = join(tempDir(), 'site');
    await buildSite(registryFrom(NESTED), { outDir: dir });
    await buildSite(registryFrom(ROOT), { outDir: dir });
    expect(existsSync(join(dir, '.well-known/vanity/m/otel@.html'))).toBe(false);
    expect(existsSync(join(dir, '.well-known/vanity/m/tools@.html'))).toBe(true);
  });

  it('leaves any other folder that holds files alone', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    await expect(buildSite(registryFrom(NESTED), { outDir: dir })).rejects.toThrow(
      /holds files that "vanity build" did not write \(.*keep\.txt.*\); choose a new or empty/,
    );
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('wildcards', () => {
  const yaml = `host: go.example.org
paths:
  /*:
    repo: https://github.com/org/*
  /a/b/c:
    repo: https://github.com/org/abc
`;

  it('are left out of every file, with a warning, and their folders get directory pages', () => {
    const plan = planSite(registryFrom(yaml));
    expect(plan.warnings).toEqual([
      expect.stringMatching(/^wildcard paths \(\/\*\) are left out: a static page cannot name/),
    ]);
    const json = JSON.parse(text(plan, '.well-known/vanity/index.json')) as { wildcards: [] };
    expect(json.wildcards).toEqual([]);
    expect(text(plan, '.well-known/vanity/index.html')).not.toContain('go.example.org/*');
    expect(text(plan, '_redirects')).not.toContain('github.com/org/*');
    expect([...plan.files.keys()]).toContain('.well-known/vanity/d/a@.html');
    expect([...plan.files.keys()]).toContain('.well-known/vanity/d/a/b@.html');
  });
});
