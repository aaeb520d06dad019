// The listener's fast path sends exactly the bytes the Express app sends, and skips it for hits.
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, prepareHandling } from '../src/app.js';
import type { AppOptions } from '../src/app.js';
import { withFastPath } from '../src/fast-path.js';
import { listen } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { registryFrom } from './helpers.js';
import { rawExchange } from './raw-http.js';

const registry = registryFrom(`host: go.example.org
cache_max_age: 600
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
  /otel/sdk:
    repo: https://github.com/open-telemetry/opentelemetry-go-sdk
  /group/one:
    repo: https://github.com/example/one
`);
const options: AppOptions = { hsts: { maxAge: 60 } };

let plain: RunningServer;
let fast: RunningServer;
let appCalls = 0;

beforeAll(async () => {
  plain = await listen(createApp(registry, options), { port: 0, host: '127.0.0.1' });
  const app = createApp(registry, options);
  const counted = ((req, res) => {
    appCalls++;
    app(req, res);
  }) as Express;
  fast = await listen(withFastPath(counted, prepareHandling(registry, options)), {
    port: 0,
    host: '127.0.0.1',
  });
});
afterAll(async () => {
  await Promise.all([plain.close({ graceMs: 100 }), fast.close({ graceMs: 100 })]);
});

const port = (server: RunningServer) => (server.server.address() as AddressInfo).port;

/** The reply with its Date header blanked, the one thing that may differ. */
async function reply(server: RunningServer, head: string): Promise<string> {
  const { text } = await rawExchange(port(server), [`${head}\r\nConnection: close\r\n\r\n`]);
  return text.replace(/\r\nDate: [^\r]*/, '\r\nDate: -');
}

describe('the fast path', () => {
  it.each([
    ['GET /otel/trace?go-get=1 HTTP/1.1', 0],
    ['HEAD /otel/sdk/metric?go-get=1 HTTP/1.1', 0],
    ['GET /otel/sdk/x?tab=doc&q=%3C HTTP/1.1', 0],
    ['GET /otel?q=<x"\'> HTTP/1.1', 0],
    ['GET http://go.example.org/otel?go-get=1 HTTP/1.1', 0],
    ['GET /otel/info/refs?service=git-upload-pack HTTP/1.1', 0],
    ['GET / HTTP/1.1', 0],
    ['HEAD / HTTP/1.1', 0],
    ['GET / HTTP/1.1\r\nAccept-Encoding: gzip, br', 0],
    ['GET / HTTP/1.1\r\nAccept-Encoding: gzip\r\nIf-None-Match: *', 0],
    ['GET / HTTP/1.1\r\nAccept: application/json', 0],
    ['GET /group HTTP/1.1', 0],
    ['GET /?go-get=1 HTTP/1.1', 0],
    ['GET /nope?go-get=1 HTTP/1.1', 0],
    ['HEAD /otel-nope/sdk HTTP/1.1', 0],
    ['GET /%zz/%E0%A4%A HTTP/1.1', 0],
    ['GET /otel/../x HTTP/1.1', 0],
    ['POST /otel HTTP/1.1', 1],
    ['GET /.well-known/vanity/health HTTP/1.1', 1],
    ['GET /.well-known/vanity/ready HTTP/1.1', 1],
    [`GET /otel/${'a'.repeat(9000)} HTTP/1.1`, 1],
  ])('sends the same bytes as the app for %s', async (line, calls) => {
    const request = `${line}\r\nHost: go.example.org\r\nUser-Agent: t`;
    const expected = await reply(plain, request);
    const before = appCalls;
    const got = await reply(fast, request);

    expect(got).toBe(expected);
    expect(got).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(appCalls - before).toBe(calls);
  });

  it('sends the same bytes as the app for generated requests', async () => {
    await fc.assert(
      fc.asyncProperty(generatedRequest, async (request) => {
        expect(await reply(fast, request)).toBe(await reply(plain, request));
      }),
      { seed: 20261204, numRuns: 150 },
    );
  });

  it('leaves everything to the app behind a trusted proxy', () => {
    const app = createApp(registry);
    expect(withFastPath(app, prepareHandling(registry, { trustProxy: true }))).toBe(app);
  });
});

/** Paths built from module names, near misses and what no import path may hold. */
const piece = fc.constantFrom(
  ...['otel', 'sdk', 'group', 'one', 'otel-ext', 'x', '..', '.', '', '%2e', '%zz', 'a~1', 'con'],
);
const query = fc.constantFrom(
  ...['', '?go-get=1', '?go-get=0&go-get=1', '?tab=doc&q=<"\'>', '?service=git-upload-pack', '?'],
);
const header = fc.constantFrom(
  ...['', 'Accept-Encoding: br', 'Accept-Encoding: gzip;q=0', 'If-None-Match: *', 'Accept: */*'],
);
const generatedRequest = fc
  .tuple(
    fc.constantFrom('GET', 'HEAD'),
    fc.array(piece, { minLength: 1, maxLength: 4 }),
    query,
    header,
  )
  .map(([method, pieces, search, extra]) => {
    const line = `${method} /${pieces.join('/')}${search} HTTP/1.1\r\nHost: go.example.org`;
    return extra ? `${line}\r\n${extra}` : line;
  });
