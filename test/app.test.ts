// The Express app over HTTP: headers, HEAD, absolute-form targets, logging, mounting.
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { get as httpGet } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/log.js';
import { listen } from '../src/serve.js';
import type { RunningServer } from '../src/serve.js';
import { metaTags, registryFrom } from './helpers.js';

const YAML = `
host: go.example.org
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
  /otel/sdk:
    repo: https://github.com/open-telemetry/opentelemetry-go-sdk
`;
const registry = registryFrom(YAML);
const app = createApp(registry);

describe('security headers', () => {
  it.each(['/otel?go-get=1', '/otel', '/', '/nope', '/.well-known/vanity/health'])(
    '%s carries them, and no X-Powered-By or HSTS',
    async (path) => {
      const res = await request(app).get(path);
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['strict-transport-security']).toBeUndefined();
    },
  );

  it('also on a 405', async () => {
    const res = await request(app).post('/otel').send('x=1');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('GET, HEAD');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('answers over HTTP', () => {
  it('serves the go-get page', async () => {
    const res = await request(app).get('/otel/sdk/metric?go-get=1');
    expect(res.status).toBe(200);
    expect(metaTags(res.text, 'go-import')).toEqual([
      'go.example.org/otel/sdk git https://github.com/open-telemetry/opentelemetry-go-sdk',
    ]);
  });

  it('redirects a browser to the sub-package docs', async () => {
    const res = await request(app).get('/otel/trace?tab=doc');
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe('https://pkg.go.dev/go.example.org/otel/trace?tab=doc');
  });

  it('answers HEAD like GET without a body', async () => {
    for (const path of ['/otel?go-get=1', '/otel', '/nope', '/']) {
      const get = await request(app).get(path).set('Accept-Encoding', 'gzip');
      const head = await request(app).head(path).set('Accept-Encoding', 'gzip');
      expect(head.status).toBe(get.status);
      expect(head.headers['content-encoding']).toBe(get.headers['content-encoding']);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers['location']).toBe(get.headers['location']);
      expect(head.text ?? '').toBe('');
    }
  });

  it('never answers 5xx to odd paths', async () => {
    const paths = ['/%', '/%zz', '/otel/%E0%A4%A', '/ünïcödé', `/${'a/'.repeat(500)}`, '/otel/..'];
    for (const path of paths) {
      const res = await request(app).get(`${encodeURI(path).replace(/%25/g, '%')}?go-get=1`);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('takes the current answerer from a function, so a reload swaps it whole', async () => {
    let current = new Answerer(registry);
    const reloading = createApp(() => current);
    expect((await request(reloading).get('/zap?go-get=1')).status).toBe(404);
    current = new Answerer(
      registryFrom('host: go.example.org\npaths:\n  /zap:\n    repo: https://github.com/u/zap\n'),
    );
    expect((await request(reloading).get('/zap?go-get=1')).status).toBe(200);
  });

  it('works mounted under a path of another app', async () => {
    const outer = express();
    outer.use('/go', createApp(registry));
    const res = await request(outer).get('/go/otel/x?go-get=1');
    expect(metaTags(res.text, 'go-import')[0]).toMatch(/^go\.example\.org\/otel git /);
  });
});

describe('the index page', () => {
  const big = registryFrom(
    `host: go.example.org\npaths:\n${Array.from(
      { length: 500 },
      (_, i) => `  /m${i}:\n    repo: https://github.com/org/m${i}\n`,
    ).join('')}`,
  );
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(createApp(big), { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close({ graceMs: 100 });
  });

  it.each([
    ['br, gzip', 'br'],
    ['gzip;q=1, br;q=0', 'gzip'],
    ['identity', undefined],
  ])('is compressed for Accept-Encoding %s', async (accept, encoding) => {
    const res = await rawGet(server.url, { 'accept-encoding': accept });
    expect(res.headers['content-encoding']).toBe(encoding);
    expect(res.headers['vary']).toBe('Accept, Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const html =
      encoding === 'br'
        ? brotliDecompressSync(res.body)
        : encoding === 'gzip'
          ? gunzipSync(res.body)
          : res.body;
    expect(html.toString()).toContain('go.example.org/m499');
  });

  it('answers 304 to its ETag, per encoding, with no body', async () => {
    const first = await rawGet(server.url, { 'accept-encoding': 'gzip' });
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^"[\w-]+-gzip"$/);
    const again = await rawGet(server.url, {
      'accept-encoding': 'gzip',
      'if-none-match': `W/"other", ${etag}`,
    });
    expect(again.status).toBe(304);
    expect(again.headers['etag']).toBe(etag);
    expect(again.headers['content-length']).toBeUndefined();
    expect(again.body.length).toBe(0);
    expect((await rawGet(server.url, { 'if-none-match': etag })).status).toBe(200);
  });
});

/** GET / with exactly these headers (no client of ours adds or decodes anything). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
    (done, fail) => {
      const req = httpGet(`${url}/`, { headers, agent: false, timeout: 5000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('timeout', () => req.destroy(new Error('no answer in 5 s')));
      req.on('error', fail);
    },
  );
}

describe('behind a proxy', () => {
  const open = registryFrom('paths:\n  /zap:\n    repo: https://github.com/u/zap\n');
  const tagFor = async (app: ReturnType<typeof createApp>) => {
    const res = await request(app)
      .get('/zap?go-get=1')
      .set('Host', 'internal.example.org:8080')
      .set('X-Forwarded-Host', 'go.example.org')
      .set('X-Forwarded-For', '203.0.113.7');
    return metaTags(res.text, 'go-import')[0];
  };

  it('ignores X-Forwarded-Host unless told to trust the proxy', async () => {
    expect(await tagFor(createApp(open))).toMatch(/^internal\.example\.org\/zap /);
    expect(await tagFor(createApp(open, { trustProxy: true }))).toMatch(/^go\.example\.org\/zap /);
  });

  it('takes the rightmost X-Forwarded-Host, the one the proxy wrote, and varies on it', async () => {
    const res = await request(createApp(open, { trustProxy: 1 }))
      .get('/zap?go-get=1')
      .set('Host', 'internal.example.org')
      .set('X-Forwarded-Host', 'evil.example.com, go.example.org');
    expect(metaTags(res.text, 'go-import')[0]).toMatch(/^go\.example\.org\/zap /);
    expect(res.headers['vary']).toBe('Host, X-Forwarded-Host');
  });

  it('ignores X-Forwarded-Host from a peer outside the trusted addresses', async () => {
    const res = await request(createApp(open, { trustProxy: '10.0.0.0/8' }))
      .get('/zap?go-get=1')
      .set('Host', 'internal.example.org')
      .set('X-Forwarded-Host', 'go.example.org');
    expect(metaTags(res.text, 'go-import')[0]).toMatch(/^internal\.example\.org\/zap /);
  });

  it('logs the client address the trusted proxy reports', async () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const logger = createLogger({ out, errors: out });
    await tagFor(createApp(open, { trustProxy: true, logger }));
    await tagFor(createApp(open, { logger }));
    const [trusted, untrusted] = written.trim().split('\n');
    expect(trusted).toMatch(/ client=203\.0\.113\.7$/);
    expect(untrusted).toMatch(/ client=\S*127\.0\.0\.1$/);
  });
});

describe('readiness', () => {
  it('answers 200 while ready and 503 while draining, never cached', async () => {
    let ready = true;
    const app = createApp(registry, { isReady: () => ready });
    const up = await request(app).get('/.well-known/vanity/ready');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ready' });
    expect(up.headers['cache-control']).toBe('no-store');

    ready = false;
    const down = await request(app).get('/.well-known/vanity/ready?probe=1');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'draining' });
    expect((await request(app).head('/.well-known/vanity/ready')).status).toBe(503);
    expect((await request(app).post('/.well-known/vanity/ready')).status).toBe(405);
  });
});

describe('logging', () => {
  it('writes one grep-able line per request', async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const logged = createApp(registry, { logger: createLogger({ out, errors: out }) });

    await request(logged).get('/otel/x?go-get=1');
    await request(logged).get('/nope a');
    expect(lines[0]).toMatch(/^\S+Z info request method=GET path=\/otel\/x\?go-get=1 status=200 /);
    expect(lines[0]).toMatch(/ kind=go-get module=\/otel ms=[0-9.]+ client=\S*127\.0\.0\.1$/);
    expect(lines[1]).toMatch(/ path=\/nope%20a status=404 kind=miss ms=/);
  });

  it('quotes values with spaces, quotes or newlines, so one event stays one line', () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => (written += chunk.toString()));
    createLogger({ out, errors: out }).info('odd', { path: 'a "b"\nc', empty: '' });
    expect(written).toMatch(/ info odd path="a \\"b\\"\\nc" empty=""\n$/);
    expect(written.split('\n')).toHaveLength(2);
  });

  it('writes no request lines when quiet', async () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const quiet = createApp(registry, { logger: createLogger({ out, errors: out, quiet: true }) });
    await request(quiet).get('/otel?go-get=1');
    expect(written).toBe('');
  });
});

describe('request targets over maxUrlLength', () => {
  const target = (length: number) =>
    `/otel/${'a'.repeat(length - '/otel/?go-get=1'.length)}?go-get=1`;

  it('answers 414 past 8192 bytes: short plain text, security headers, no tag', async () => {
    expect((await request(app).get(target(8192))).status).toBe(200);
    const res = await request(app).get(target(8193));
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toBe('URI too long: the request target is over 8192 bytes.\n');
    expect(res.text).not.toContain('go-import');
    expect((await request(app).head(target(8193))).status).toBe(414);
  });

  it('takes its limit from the option, counting the whole URL when mounted', async () => {
    const outer = express();
    outer.use('/go', createApp(registry, { maxUrlLength: 300 }));
    expect((await request(outer).get(`/go${target(297)}`)).status).toBe(200);
    expect((await request(outer).get(`/go${target(298)}`)).status).toBe(414);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxUrlLength %s when the app is built', (bad) => {
    expect(() => createApp(registry, { maxUrlLength: bad })).toThrow(/maxUrlLength must be/);
  });
});

describe('absolute-form request targets', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await listen(app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await running.close({ graceMs: 100 });
  });

  it.each([
    ['GET * HTTP/1.1', 400],
    ['OPTIONS * HTTP/1.1', 405],
    ['POST * HTTP/1.1', 405],
    ['GET foo://h HTTP/1.1', 200],
    ['GET http://[::1/otel?go-get=1 HTTP/1.1', 200],
    ['GET http://go.example.org:abc/otel?go-get=1 HTTP/1.1', 200],
    ['GET http://go.example.org HTTP/1.1', 200],
  ])('answers %s itself, with its security headers', async (line, status) => {
    const port = (running.server.address() as AddressInfo).port;
    const reply = await rawRequest(port, `${line}\r\nHost: a.b\r\nConnection: close\r\n\r\n`);
    expect(reply).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(reply).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
    expect(reply).not.toContain('Cannot GET');
  });

  it("percent-encodes quotes and angle brackets in the docs link's query", async () => {
    // Found by test/hostile.test.ts: the quote ' reached Location raw (supertest would encode it).
    const port = (running.server.address() as AddressInfo).port;
    const reply = await rawRequest(
      port,
      `GET /otel?q=<x"' HTTP/1.1\r\nHost: a.b\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toContain(
      '\r\nLocation: https://pkg.go.dev/go.example.org/otel?q=%3Cx%22%27\r\n',
    );
  });

  it('refuses CONNECT with 405', async () => {
    const port = (running.server.address() as AddressInfo).port;
    const reply = await rawRequest(port, 'CONNECT a.b:443 HTTP/1.1\r\nHost: a.b:443\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(reply).toContain('Allow: GET, HEAD');
  });

  it('answers GET http://host/path as a forward proxy client sends it', async () => {
    const port = (running.server.address() as AddressInfo).port;
    const reply = await rawRequest(
      port,
      'GET http://go.example.org/otel/sdk?go-get=1 HTTP/1.1\r\nHost: go.example.org\r\n' +
        'Connection: close\r\n\r\n',
    );
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(metaTags(reply, 'go-import')).toEqual([
      'go.example.org/otel/sdk git https://github.com/open-telemetry/opentelemetry-go-sdk',
    ]);
  });
});

/** Sends raw bytes and reads the whole reply; bounded by a 5 s timeout. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}
