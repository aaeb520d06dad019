// The listener's limits: slow clients cut off, idle connections closed, 414 before Node's 431.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { LISTEN_DEFAULTS, listen, maxHeaderSizeFor } from '../src/serve.js';
import type { ListenOptions, RunningServer } from '../src/serve.js';
import { metaTags, registryFrom } from './helpers.js';
import { parseReply, rawExchange, rawRequest } from './raw-http.js';

const registry = registryFrom(`host: go.example.org
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
`);

/** Short timeouts, checked every 50 ms, so no test waits on Node's 30 s default. */
const FAST: Partial<ListenOptions> = {
  headersTimeout: 500,
  requestTimeout: 1000,
  keepAliveTimeout: 200,
  connectionsCheckingInterval: 50,
};
/** Node closes an idle keep-alive socket up to a second after the timeout it advertises. */
const KEEP_ALIVE_SLACK = 1500;

const GET = 'GET /otel?go-get=1 HTTP/1.1\r\nHost: go.example.org\r\n';

async function start(options: Partial<ListenOptions>, maxUrlLength?: number) {
  const app = createApp(registry, { maxUrlLength });
  const running = await listen(app, { port: 0, host: '127.0.0.1', ...options });
  return { running, port: (running.server.address() as AddressInfo).port };
}

describe('defaults', () => {
  it('are tighter than Node’s own', async () => {
    const { running } = await start({});
    expect(running.server.headersTimeout).toBe(10_000);
    expect(running.server.requestTimeout).toBe(30_000);
    expect(running.server.keepAliveTimeout).toBe(5_000);
    expect(LISTEN_DEFAULTS.connectionsCheckingInterval).toBe(1_000);
    await running.close({ graceMs: 100 });
  });

  it.each([
    [1024, 16_384],
    [8192, 16_384],
    [32_768, 40_960],
  ])('a URL limit of %i bytes gets a maxHeaderSize of %i', (limit, size) => {
    expect(maxHeaderSizeFor(limit)).toBe(size);
  });

  it('refuses a header timeout longer than the request timeout, as Node does', async () => {
    await expect(start({ headersTimeout: 2000, requestTimeout: 1000 })).rejects.toThrow(
      /headersTimeout/,
    );
  });
});

describe('slow clients', () => {
  let running: RunningServer;
  let port: number;
  beforeAll(async () => {
    ({ running, port } = await start(FAST));
  });
  afterAll(async () => {
    await running.close({ graceMs: 100 });
  });

  it('cuts a client that sends its headers a byte every 100 ms (slowloris)', async () => {
    const slow = `${GET}X-Padding: ${'a'.repeat(40)}\r\n\r\n`;
    const reply = await rawExchange(port, [...slow], { gapMs: 100, timeoutMs: 5000 });

    // It would take over 8 s to finish; the cut comes at the 500 ms timeout plus one check.
    expect(reply.closedAfterMs).toBeGreaterThanOrEqual(450);
    expect(reply.closedAfterMs).toBeLessThan(1500);
    expect(reply.text === '' || reply.text.startsWith('HTTP/1.1 408 ')).toBe(true);
  });

  it('answers a normal client while a slow one waits', async () => {
    const slow = rawExchange(port, [...`${GET}\r\n`], { gapMs: 100, timeoutMs: 5000 });
    const reply = await rawRequest(port, `${GET}Connection: close\r\n\r\n`);
    expect(reply.status).toBe(200);
    expect(metaTags(reply.body, 'go-import')).toHaveLength(1);
    expect((await slow).text).not.toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers a client whose headers come in pieces within the timeout', async () => {
    const pieces = [
      'GET /otel?go-get=1 HTTP/1.1\r\n',
      'Host: go.example.org\r\n',
      'Connection: close\r\n\r\n',
    ];
    const reply = await rawExchange(port, pieces, { gapMs: 100 });
    expect(parseReply(reply.text).status).toBe(200);
  });

  it('cuts a client whose body trickles in past the request timeout', async () => {
    const head = 'POST /otel HTTP/1.1\r\nHost: go.example.org\r\nContent-Length: 100\r\n\r\n';
    const chunks = [head, ...'a'.repeat(50)];
    const reply = await rawExchange(port, chunks, { gapMs: 100, timeoutMs: 5000 });

    // The 405 goes out at once; the connection is cut at the 1 s request timeout.
    expect(reply.text).toMatch(/^HTTP\/1\.1 405 /);
    expect(reply.closedAfterMs).toBeGreaterThanOrEqual(950);
    expect(reply.closedAfterMs).toBeLessThan(2000);
  });

  it('closes a keep-alive connection left idle after its answer', async () => {
    const reply = await rawExchange(port, [`${GET}\r\n`], { timeoutMs: 5000 });
    expect(parseReply(reply.text).status).toBe(200);
    expect(reply.closedAfterMs).toBeGreaterThanOrEqual(150);
    expect(reply.closedAfterMs).toBeLessThan(200 + KEEP_ALIVE_SLACK);
  });
});

describe('long request targets', () => {
  const request = (target: string) =>
    `GET ${target} HTTP/1.1\r\nHost: go.example.org\r\nConnection: close\r\n\r\n`;

  it('are answered 414 by the app up to Node’s header limit, then 431 by Node', async () => {
    const { running, port } = await start({});
    const over = await rawRequest(port, request(`/otel/${'a'.repeat(9000)}?go-get=1`));
    expect(over.status).toBe(414);
    expect(over.headers['x-content-type-options']).toBe('nosniff');
    expect(over.body).toBe('URI too long: the request target is over 8192 bytes.\n');

    const huge = await rawRequest(port, request(`/otel/${'a'.repeat(17_000)}`));
    expect(huge.status).toBe(431);
    expect(huge.headers['x-content-type-options']).toBeUndefined();
    await running.close({ graceMs: 100 });
  });

  it('follow a raised limit when maxHeaderSize comes from maxHeaderSizeFor', async () => {
    const limit = 32_768;
    const { running, port } = await start({ maxHeaderSize: maxHeaderSizeFor(limit) }, limit);
    const within = await rawRequest(port, request(`/otel/${'a'.repeat(20_000)}?go-get=1`));
    expect(within.status).toBe(200);
    const over = await rawRequest(port, request(`/otel/${'a'.repeat(33_000)}`));
    expect(over.status).toBe(414);
    await running.close({ graceMs: 100 });
  });
});
