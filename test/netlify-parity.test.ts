// The Netlify site answers like the server: the same requests through the Express app
// and through Netlify's own rule engine over the built site, compared answer by answer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { isImportElement } from '../src/module-path.js';
import type { Registry } from '../src/registry.js';
import { securityHeaders } from '../src/security.js';
import { buildSite } from '../src/site.js';
import { FOLDERS, metaTags, NESTED, registryFrom, ROOT } from './helpers.js';
import { NetlifySite } from './netlify-sim.js';

const NETLIFY_TOML = resolve('netlify.toml');
const SEED = 20_251_204;
const RUNS = 200;

const REGISTRIES: Record<string, string> = {
  'the real registry': readFileSync(resolve('vanity.yaml'), 'utf8'),
  'nested modules': NESTED,
  'a module at the root': ROOT,
  'folders, a hidden module and other docs sites': FOLDERS,
};

const QUERIES = [
  '',
  '?go-get=1',
  '?go-get=1&tab=doc',
  '?tab=doc&go-get=1',
  '?a=1&go-get=1&b=2',
  '?go-get=1&go-get=1',
  '?go-get=0&go-get=1',
  '?tab=versions',
  '?go-get=0',
  '?go-get=1x&a=b',
  '?',
];

/** HEAD takes the same route as GET; a few queries show that it does. */
const HEAD_QUERIES = ['', '?go-get=1', '?tab=doc&go-get=1'];

type Method = 'GET' | 'HEAD';

/** One registry served both ways; `compare` sends a request to each and checks they agree. */
class Pair {
  compared = 0;

  private constructor(
    readonly registry: Registry,
    private readonly server: Server,
    readonly site: NetlifySite,
    private readonly dir: string,
  ) {}

  static async start(yaml: string): Promise<Pair> {
    const registry = registryFrom(yaml);
    const dir = mkdtempSync(join(tmpdir(), 'vanity-site-'));
    await buildSite(registry, { outDir: dir });
    const site = await NetlifySite.load(dir, registry.host ?? '', NETLIFY_TOML);
    const server = createApp(registry).listen(0, '127.0.0.1');
    await new Promise((done) => server.once('listening', done));
    return new Pair(registry, server, site, dir);
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.server.close(done));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's answer and Netlify's to the same request. */
  async both(method: Method, target: string) {
    const agent = request(this.server);
    const server = await (method === 'GET' ? agent.get(target) : agent.head(target));
    return { server, netlify: this.site.request(method, target) };
  }

  async compare(method: Method, target: string): Promise<void> {
    const { server, netlify } = await this.both(method, target);
    this.compared += 1;

    const where = `${method} ${target}`;
    expect(netlify.status, where).toBe(server.status);
    const location = server.headers['location'] as string | undefined;
    expect(netlify.headers['location'], where).toBe(this.netlifyLocation(target, location));
    if (method === 'GET') {
      expect(metaTags(netlify.body.toString(), 'go-import'), where).toEqual(
        metaTags(server.text, 'go-import'),
      );
    }
    if (server.status !== 302) this.compareFile(where, server, netlify.headers, netlify.body);
  }

  /** A page Netlify serves from a file: the same bytes, caching and security headers. */
  private compareFile(
    where: string,
    server: request.Response,
    headers: Record<string, string>,
    body: Buffer,
  ): void {
    // The server's text is its body decoded as UTF-8, which every page is.
    if (server.request.method === 'GET') expect(body.toString('utf8'), where).toBe(server.text);
    expect(headers['cache-control'], where).toBe(server.headers['cache-control']);
    for (const [name, value] of securityHeaders()) {
      expect(headers[name.toLowerCase()], `${where} ${name}`).toBe(value);
    }
  }

  /**
   * The one known difference in Location: Netlify's splat keeps a trailing slash that
   * the server drops, so GET /otel/sdk/ is sent to …/otel/sdk/ rather than …/otel/sdk.
   * A module path itself (and the root) has a rule of its own, so it is not affected.
   */
  netlifyLocation(target: string, location: string | undefined): string | undefined {
    const path = target.split('?')[0] ?? '';
    if (!location || !path.endsWith('/') || path === '/') return location;
    if (this.registry.get(path.slice(0, -1))) return location;
    const mark = location.indexOf('?');
    return mark < 0 ? `${location}/` : `${location.slice(0, mark)}/${location.slice(mark)}`;
  }
}

/** Module paths, paths below and beside them, the root, our own files and misses. */
function listedPaths(registry: Registry): string[] {
  const ownFiles = [
    '/.well-known/vanity/health',
    '/.well-known/vanity/health.json',
    '/.well-known/vanity/index.html',
    '/.well-known/vanity/404.html',
    '/.well-known/vanity/index.json',
  ];
  const files = ['/404.html', '/index.html', '/_redirects', '/_headers', ...ownFiles];
  const misses = ['/', '/nope', '/nope/', '/.well-known/vanity/nope', '/.well-known/x/y'];
  const modules = registry.modules.flatMap(({ path }) => {
    const base = path === '/' ? '' : path;
    const beside = path === '/' ? [] : [`${base}x`, `${base}-y/z`];
    const clone = `${base}/info/refs?service=git-upload-pack`;
    return [path, `${base}/`, `${base}/sub`, `${base}/sub/`, `${base}/a/b/c`, clone, ...beside];
  });
  // Every folder above a module: a directory page, or a miss when it lists nothing.
  const folders = registry.modules.flatMap(({ path }) =>
    path
      .split('/')
      .slice(1, -1)
      .map((_, i, elements) => `/${elements.slice(0, i + 1).join('/')}`),
  );
  modules.push(...folders, ...folders.map((folder) => `${folder}/`));
  const pages = registry.modules.map(({ path }) => `/.well-known/vanity/m/${path.slice(1)}@.html`);
  return [...modules, ...files, ...misses, ...pages];
}

/** An import path: an optional module path or a near miss of one, then elements. */
function importPaths(registry: Registry): fc.Arbitrary<string> {
  const element = fc
    .stringMatching(/^[A-Za-z0-9_~+-][A-Za-z0-9._~+-]{0,7}$/)
    .filter((e) => isImportElement(e));
  const modules = registry.modules.map(({ path }) => (path === '/' ? '' : path));
  const nearMisses = modules.filter(Boolean).flatMap((path) => [`${path}x`, `${path}-y`]);
  const start = fc.constantFrom('', ...modules, ...nearMisses);

  return fc
    .tuple(start, fc.array(element, { maxLength: 4 }), fc.boolean())
    .map(([base, elements, slash]) => {
      const path = base + elements.map((e) => `/${e}`).join('') || '/';
      return slash && path !== '/' ? `${path}/` : path;
    });
}

/** A query of other parameters in any order, with at most one go-get among them. */
const queries: fc.Arbitrary<string> = fc
  .tuple(
    fc.shuffledSubarray(['tab=doc', 'a=1', 'b=', 'utm_source=x', 'q=a%20b']),
    fc.constantFrom(null, 'go-get=1', 'go-get=0', 'go-get=true'),
    fc.nat(),
  )
  .map(([others, goGet, at]) => {
    const params = [...others];
    if (goGet) params.splice(at % (params.length + 1), 0, goGet);
    return params.length > 0 ? `?${params.join('&')}` : '';
  });

describe.each(Object.entries(REGISTRIES))('the Netlify site for %s', (name, yaml) => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await Pair.start(yaml);
  });
  afterAll(async () => {
    console.info(`netlify parity: ${pair.compared} requests compared for ${name}`);
    await pair.stop();
  });

  it('answers every listed path, query and method as the server does', async () => {
    for (const path of listedPaths(pair.registry)) {
      for (const query of QUERIES) await pair.compare('GET', path + query);
      for (const query of HEAD_QUERIES) await pair.compare('HEAD', path + query);
    }
  });

  it(`answers generated import paths as the server does (fast-check seed ${SEED})`, async () => {
    const requests = fc.tuple(
      fc.constantFrom<Method>('GET', 'HEAD'),
      importPaths(pair.registry),
      queries,
    );
    await fc.assert(
      fc.asyncProperty(requests, async ([method, path, query]) => {
        await pair.compare(method, path + query);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('where the Netlify site differs from the server', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await Pair.start(REGISTRIES['nested modules'] ?? '');
  });
  afterAll(() => pair.stop());

  it('keeps the trailing slash of a sub-package in the docs link', async () => {
    const { server, netlify } = await pair.both('GET', '/otel/trace/');
    expect(server.headers['location']).toBe('https://pkg.go.dev/go.example.org/otel/trace');
    expect(netlify.headers['location']).toBe('https://pkg.go.dev/go.example.org/otel/trace/');
  });

  it('reads only the last go-get value, where the server takes go-get=1 anywhere', async () => {
    const { server, netlify } = await pair.both('GET', '/otel?go-get=1&go-get=0');
    expect(server.status).toBe(200);
    expect(netlify.status).toBe(302);
  });

  it('has no readiness endpoint: a static site is never draining', async () => {
    const { server, netlify } = await pair.both('GET', '/.well-known/vanity/ready');
    expect(server.status).toBe(200);
    expect(netlify.status).toBe(404);
  });

  it('answers its health at a path with a trailing slash too', async () => {
    const { server, netlify } = await pair.both('GET', '/.well-known/vanity/health/');
    expect(server.status).toBe(404);
    expect(netlify.status).toBe(200);
  });

  // Netlify resolves dot segments and decodes escapes before it matches (as netlify-cli
  // does), and its splat takes empty and dot elements; the server refuses all of these.
  it.each([
    '/otel/./trace?go-get=1',
    '/otel/x/../sdk?go-get=1',
    '/otel/%74race?go-get=1',
    '/otel//trace?go-get=1',
    '/otel/.hidden?go-get=1',
  ])('answers %s, which is no import path, with a module page', async (target) => {
    const { server, netlify } = await pair.both('GET', target);
    expect(server.status).toBe(404);
    expect(netlify.status).toBe(200);
    expect(metaTags(netlify.body.toString(), 'go-import')).toHaveLength(1);
  });
});
