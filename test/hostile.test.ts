// Hostile input, generated: odd paths, queries, Host headers and methods sent as raw bytes
// to the real server on loopback, and what no answer may ever do.
//
// Replay a failure with the seed it prints: VANITY_FC_SEED=<seed> npx vitest run test/hostile
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/log.js';
import type { Registry } from '../src/registry.js';
import { listen } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { allGoImportTags, metaTags, registryFrom } from './helpers.js';
import { parseReply, rawExchange } from './raw-http.js';
import type { ParsedReply } from './raw-http.js';

const SEED = seedFromEnv();
/** Requests per registry for the main property; about 1 ms each on loopback. */
const RUNS = 250;
const PROTO_RUNS = 60;

/** Generated input carries these; none may reach a body or a header unescaped. */
const MARKERS = [`<x"'`, '<script>'];
/** Their telltale starts: our pages hold neither, escaped input shows as `&#60;x`. */
const RAW_ECHOES = ['<x', '<script'];
const PROTO_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__lookupSetter__',
];

const REGISTRIES: Record<string, { yaml: string; trustProxy?: string }> = {
  'the real registry': { yaml: readFileSync(resolve('vanity.yaml'), 'utf8') },
  'a registry without host (the Host header names the domain)': {
    yaml: `paths:
  /zap:
    repo: https://github.com/example/zap
  /zap/sdk:
    repo: https://github.com/example/zap-sdk
`,
    trustProxy: 'loopback',
  },
  'nested modules and a root module': {
    yaml: `host: root.example.org
paths:
  /:
    repo: https://github.com/example/root
  /otel:
    repo: https://github.com/example/otel
  /otel/sdk:
    repo: https://github.com/example/otel-sdk
  /otel/sdk/v2:
    repo: https://github.com/example/otel-sdk-v2
`,
  },
};

/** One generated request, and the parts the checks need to judge its answer. */
interface Hostile {
  method: string;
  /** Origin-form path and query as sent, or absolute form with `authority`. */
  target: string;
  authority?: string;
  host: string | null;
  forwardedHost: string | null;
  userAgent: string;
}

function seedFromEnv(): number {
  const raw = process.env.VANITY_FC_SEED;
  if (raw === undefined || raw === '') return 20_260_115;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`VANITY_FC_SEED="${raw}" is not a whole number; unset it or pass one`);
  }
  return seed;
}

/** Every byte outside the unreserved set as %XX, from the UTF-8 bytes (lone surrogates too). */
function encodeAll(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    const hex = byte.toString(16).toUpperCase().padStart(2, '0');
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex}`;
  }
  return out;
}

/** Raw, but controls and spaces escaped: they would end the request line, not test us. */
function rawButFramed(text: string): string {
  const framing = (c: string) => c.charCodeAt(0) <= 0x20 || c === '\x7f';
  return [...text].map((c) => (framing(c) ? encodeAll(c) : c)).join('');
}

/** A header value as raw as HTTP allows: no CR, LF or NUL. */
function headerSafe(text: string): string {
  return text.replace(/[\r\n\0]/g, '');
}

/** An import-path element now and then, else one of many odd ones, raw or percent-encoded. */
function element(registry: Registry): fc.Arbitrary<string> {
  const configured = registry.modules.flatMap(({ path }) => path.split('/').filter(Boolean));
  const odd = ['.', '..', '', '%2e%2e', '%2E', '%2F', '%00', '%', '%zz', '%E0%A4%A', '.git'];
  const plain = fc.oneof(
    fc.constantFrom(...configured, ...PROTO_NAMES, 'v2', 'x~1', 'CON', 'a+b'),
    fc.stringMatching(/^[A-Za-z0-9._~+-]{1,8}$/),
  );
  const hostile = fc.oneof(
    fc.constantFrom(...odd, ...MARKERS),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  // Node refuses raw bytes above 0x7f with its own 400, so most text goes encoded.
  const how = fc.constantFrom('raw', 'encoded', 'encoded');
  const encoded = fc
    .tuple(hostile, how)
    .map(([value, how]) => (how === 'raw' ? rawButFramed(value) : encodeAll(value)));
  return fc.oneof({ arbitrary: plain, weight: 3 }, { arbitrary: encoded, weight: 2 });
}

function path(registry: Registry): fc.Arbitrary<string> {
  const modules = registry.modules.map((module) => (module.path === '/' ? '' : module.path));
  const start = fc.oneof(
    { arbitrary: fc.constantFrom(...modules), weight: 4 },
    { arbitrary: fc.constantFrom('', '/', '//', '/.well-known/vanity'), weight: 1 },
  );
  const short = fc
    .tuple(start, fc.array(element(registry), { maxLength: 5 }), fc.boolean())
    .map(([base, elements, slash]) => {
      const joined = base + elements.map((e) => `/${e}`).join('');
      return (joined.startsWith('/') ? joined : `/${joined}`) + (slash ? '/' : '');
    });
  // Around the 8 KiB limit and past Node's 16 KiB: 414, then 431, never a 5xx.
  const long = fc
    .tuple(fc.constantFrom(...modules), element(registry), fc.integer({ min: 1, max: 9000 }))
    .map(([base, e, count]) => `${base}/${(e || 'a').repeat(Math.ceil(count / 2))}`);
  return fc.oneof({ arbitrary: short, weight: 12 }, { arbitrary: long, weight: 1 });
}

const parameter: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('go-get=1', 'go-get=0', 'go-get=%31', 'go-get', 'go-get=1&go-get=1', 'tab=doc'),
  fc.constantFrom('=', '&', '%', '%zz', '+', '#frag', ...MARKERS.map((m) => `q=${m}`)),
  fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map(rawButFramed),
  fc.string({ unit: 'binary', maxLength: 8 }).map(encodeAll),
);

const query: fc.Arbitrary<string> = fc
  .option(fc.array(parameter, { maxLength: 4 }), { nil: undefined })
  .map((params) => (params === undefined ? '' : `?${params.join('&')}`));

/** Mostly names a vanity domain could have; a quarter of the time, anything a header holds. */
function hostHeader(): fc.Arbitrary<string> {
  const likely = fc.oneof(
    fc.constantFrom('go.example.org', 'GO.Example.ORG.', 'go.example.org:8080', 'root.example.org'),
    fc.domain(),
  );
  const odd = fc.oneof(
    fc.constantFrom('', '127.0.0.1', '[::1]:80', 'localhost', 'go..example.org', ...MARKERS),
    fc.constantFrom(...PROTO_NAMES.map((name) => `${name}.example.org`)),
    fc.constantFrom(`a${MARKERS[0]}.example.org`, `${'a.'.repeat(200)}org`, 'a.org, b.org'),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map(headerSafe),
  );
  return fc.oneof({ arbitrary: likely, weight: 3 }, { arbitrary: odd, weight: 1 });
}

const methods = fc.oneof(
  { arbitrary: fc.constant('GET'), weight: 10 },
  { arbitrary: fc.constant('HEAD'), weight: 2 },
  {
    arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND'),
    weight: 2,
  },
  { arbitrary: fc.constantFrom('QUERY', 'get', 'BREW', 'M-SEARCH'), weight: 1 },
);

const AUTHORITIES = ['go.example.org', 'GO.EXAMPLE.ORG:80', 'user@root.example.org', '', '[::1]'];

/** `value` one time in `every`, else `none`. */
function sometimes<T, N>(value: fc.Arbitrary<T>, every: number, none: N): fc.Arbitrary<T | N> {
  return fc.oneof(
    { arbitrary: value, weight: 1 },
    { arbitrary: fc.constant(none), weight: every - 1 },
  );
}

function hostile(registry: Registry): fc.Arbitrary<Hostile> {
  return fc
    .record({
      method: methods,
      path: path(registry),
      query,
      absolute: sometimes(fc.constantFrom(...AUTHORITIES), 8, undefined),
      // No Host at all now and then: Node itself refuses an HTTP/1.1 request without one.
      host: fc.oneof(
        { arbitrary: hostHeader(), weight: 29 },
        { arbitrary: fc.constant(null), weight: 1 },
      ),
      forwardedHost: sometimes(hostHeader(), 4, null),
      userAgent: fc.oneof(fc.constantFrom('Go-http-client/1.1', ...MARKERS), fc.string()),
    })
    .map(({ method, path, query, absolute, host, forwardedHost, userAgent }) => {
      const origin = path + query;
      const request: Hostile = {
        method,
        target: absolute === undefined ? origin : `http://${absolute}${origin}`,
        host,
        forwardedHost,
        userAgent: headerSafe(userAgent),
      };
      if (absolute !== undefined) request.authority = absolute;
      return request;
    });
}

function requestBytes(request: Hostile): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  if (request.host !== null) lines.push(`Host: ${request.host}`);
  if (request.forwardedHost !== null) lines.push(`X-Forwarded-Host: ${request.forwardedHost}`);
  lines.push(`User-Agent: ${request.userAgent}`, 'Connection: close', '', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** The path and query the server reads from an origin-form target: no fragment. */
function originParts(target: string): { path: string; query: string } {
  const hash = target.indexOf('#');
  const rest = hash >= 0 ? target.slice(0, hash) : target;
  const mark = rest.indexOf('?');
  return mark >= 0
    ? { path: rest.slice(0, mark), query: rest.slice(mark + 1) }
    : { path: rest, query: '' };
}

function isGoGetQuery(query: string): boolean {
  return new URLSearchParams(query).getAll('go-get').includes('1');
}

/** The domain the answer names: the registry's, else the proxy's or client's, normalised. */
function answeredHost(registry: Registry, request: Hostile): string {
  if (registry.host) return registry.host;
  const forwarded = request.forwardedHost?.split(',').pop()?.trim();
  const named = forwarded || (request.authority?.replace(/^.*@/, '') ?? request.host ?? '');
  return named
    .toLowerCase()
    .replace(/:[0-9]*$/, '')
    .replace(/\.$/, '');
}

const LOCATION = /^https:\/\/pkg\.go\.dev\/[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

/** What must hold for any answer to any request. */
function checkAnswer(registry: Registry, request: Hostile, reply: ParsedReply): void {
  expect(reply.status, 'a status line').toBeGreaterThanOrEqual(200);
  expect(reply.status, 'never a 5xx').toBeLessThan(500);
  for (const echo of RAW_ECHOES) {
    expect(reply.body).not.toContain(echo);
    for (const value of Object.values(reply.headers)) expect(value).not.toContain(echo);
  }
  checkRedirect(reply);
  checkTags(registry, request, reply);
}

function checkRedirect(reply: ParsedReply): void {
  const location = reply.headers['location'];
  if (reply.status >= 300 && reply.status < 400) expect(location).toBeDefined();
  if (location === undefined) return;

  expect(reply.status).toBe(302);
  expect(location).toMatch(LOCATION);
  expect(new URL(location).origin).toBe('https://pkg.go.dev');
}

/** Exactly one go-import tag, of a configured module above the path, on a go-get hit. */
function checkTags(registry: Registry, request: Hostile, reply: ParsedReply): void {
  const { path, query } = originParts(request.target.replace(/^http:\/\/[^/]*/, ''));
  const goGetHit = reply.status === 200 && request.method === 'GET' && isGoGetQuery(query);
  const ownEndpoint = path.startsWith('/.well-known/');
  if (!goGetHit || ownEndpoint) {
    expect(allGoImportTags(reply.body), 'no go-import tag off a go-get hit').toBe(0);
    return;
  }

  const tags = metaTags(reply.body, 'go-import');
  expect(tags).toHaveLength(1);
  const prefix = (tags[0] ?? '').split(' ')[0] ?? '';
  const host = answeredHost(registry, request);
  const modules = registry.modules.map((m) => (m.path === '/' ? host : host + m.path));
  expect(modules).toContain(prefix);
  const importPath = host + (path.endsWith('/') ? path.slice(0, -1) : path);
  expect(`${importPath}/`.startsWith(`${prefix}/`), `${prefix} above ${importPath}`).toBe(true);
}

describe.each(Object.entries(REGISTRIES))('hostile requests to %s', (name, setup) => {
  const registry = registryFrom(setup.yaml);
  let logged = '';
  /** Answers from our app, told by its security headers; Node's own 400 and 431 carry none. */
  let appAnswers = 0;
  let running: RunningServer;
  let port = 0;

  beforeAll(async () => {
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
    const logger = createLogger({ out, errors: out, format: 'json' });
    const app = createApp(registry, { logger, trustProxy: setup.trustProxy });
    running = await listen(app, { port: 0, host: '127.0.0.1' });
    port = (running.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await running.close({ graceMs: 100 });
  });

  const send = async (request: Hostile): Promise<ParsedReply> => {
    const reply = parseReply((await rawExchange(port, [requestBytes(request)])).text);
    checkAnswer(registry, request, reply);
    if (reply.headers['x-content-type-options']) appAnswers += 1;
    return reply;
  };

  it(`never a 5xx, an echo, a redirect off pkg.go.dev or a stray tag (seed ${SEED})`, async () => {
    const property = fc.asyncProperty(hostile(registry), async (request) => {
      await send(request);
    });
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
  });

  it(`treats Object.prototype names as ordinary paths (seed ${SEED})`, async () => {
    const rootModule = registry.get('/');
    const names = fc.tuple(
      fc.constantFrom(...PROTO_NAMES),
      fc.array(fc.constantFrom(...PROTO_NAMES, 'x'), { maxLength: 2 }),
      fc.constantFrom('', '?go-get=1'),
    );
    await fc.assert(
      fc.asyncProperty(names, async ([first, rest, query]) => {
        const target = `/${[first, ...rest].join('/')}${query}`;
        const host = 'go.example.org';
        const request = { method: 'GET', target, host, forwardedHost: null, userAgent: 'x' };
        const reply = await send(request);
        if (!rootModule) expect(reply.status, `${target} is a miss`).toBe(404);
        else expect(reply.status).toBe(query ? 200 : 302);
      }),
      { seed: SEED, numRuns: PROTO_RUNS },
    );
  });

  it('logs every request as one JSON object on one line', () => {
    const lines = logged.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(appAnswers);
    for (const line of lines) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(record['event'], name).toBe('request');
      expect(typeof record['path']).toBe('string');
    }
  });
});
