// The logger in both formats: text for people and grep, JSON for collectors; one event a line.
import { PassThrough, Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/log.js';
import type { LogFormat } from '../src/log.js';
import { registryFrom } from './helpers.js';

const registry = registryFrom(`host: go.example.org
paths:
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
`);

/** A logger writing to one captured stream, and what it wrote so far. */
function captured(format: LogFormat, quiet = false) {
  const out = new PassThrough();
  const written = { text: '' };
  out.on('data', (chunk: Buffer) => (written.text += chunk.toString('utf8')));
  const logger = createLogger({ out, errors: out, format, quiet });
  return { logger, lines: () => written.text.split('\n').filter((line) => line !== '') };
}

function parsed(lines: string[]): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const ODD = { path: 'a "b"\nc\r\u2028d', empty: '', tab: '\tx', quote: "'" };

describe('text format', () => {
  it('stays the default: time level event key=value', () => {
    const { logger, lines } = captured('text');
    logger.info('start', { config: 'vanity.yaml', modules: 10, watch: false });
    expect(lines()).toEqual([
      expect.stringMatching(/^\S+Z info start config=vanity\.yaml modules=10 watch=false$/),
    ]);
  });

  it('keeps one event on one line whatever the values hold', () => {
    const { logger, lines } = captured('text');
    logger.warn('odd', ODD);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain(' path="a \\"b\\"\\nc\\r\u2028d" empty="" tab="\\tx" quote=\'');
  });

  it('ends a request line with the User-Agent, quoted when it has spaces', async () => {
    const { logger, lines } = captured('text');
    const app = createApp(registry, { logger });
    await request(app).get('/otel?go-get=1').set('User-Agent', 'Go-http-client/1.1');
    await request(app).get('/nope').set('User-Agent', 'Mozilla/5.0 (X11; "Linux")');
    expect(lines()[0]).toMatch(
      / kind=go-get module=\/otel ms=[0-9.]+ client=\S+ ua=Go-http-client\/1\.1$/,
    );
    expect(lines()[1]).toMatch(
      / kind=miss ms=[0-9.]+ client=\S+ ua="Mozilla\/5\.0 \(X11; \\"Linux\\"\)"$/,
    );
  });
});

describe('JSON format', () => {
  it('writes one object a line: time, level and event first', () => {
    const { logger, lines } = captured('json');
    logger.info('start', { config: 'vanity.yaml', modules: 10, watch: false, gone: undefined });
    logger.error('reload-failed', { problems: 2 });
    const [start, failed] = parsed(lines());

    expect(Object.keys(start ?? {})).toEqual([
      'time',
      'level',
      'event',
      'config',
      'modules',
      'watch',
    ]);
    expect(start).toMatchObject({ level: 'info', event: 'start', modules: 10, watch: false });
    expect(new Date(String(start?.['time'])).toISOString()).toBe(start?.['time']);
    expect(failed).toMatchObject({ level: 'error', event: 'reload-failed', problems: 2 });
  });

  it('keeps newlines and quotes inside their value, on one line', () => {
    const { logger, lines } = captured('json');
    logger.warn('odd', ODD);
    expect(lines()).toHaveLength(1);
    expect(parsed(lines())[0]).toMatchObject(ODD);
  });

  it('lets no field replace time, level or event, and keeps __proto__ as data', () => {
    const { logger, lines } = captured('json');
    logger.info('real', { event: 'fake', level: 'debug', time: 'never', ['__proto__']: 'x' });
    const record = parsed(lines())[0] ?? {};
    expect(record).toMatchObject({ event: 'real', level: 'info' });
    expect(record['time']).not.toBe('never');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.hasOwn(record, '__proto__')).toBe(true);
  });

  it('logs a request with every field an operator filters on', async () => {
    const { logger, lines } = captured('json');
    const app = createApp(registry, { logger });
    await request(app).get('/otel/x?go-get=1').set('User-Agent', 'Go-http-client/1.1');
    await request(app).get('/nope%0A"x"').set('User-Agent', 'a\tb "c"');

    const [hit, miss] = parsed(lines());
    expect(hit).toMatchObject({
      level: 'info',
      event: 'request',
      method: 'GET',
      path: '/otel/x?go-get=1',
      status: 200,
      kind: 'go-get',
      module: '/otel',
      ua: 'Go-http-client/1.1',
    });
    expect(typeof hit?.['ms']).toBe('number');
    expect(hit?.['client']).toMatch(/127\.0\.0\.1$/);
    expect(miss).toMatchObject({ path: '/nope%0A%22x%22', status: 404, ua: 'a\tb "c"' });
    expect(miss).not.toHaveProperty('module');
  });

  it('writes no request lines when quiet, and still the events', async () => {
    const { logger, lines } = captured('json', true);
    await request(createApp(registry, { logger })).get('/otel?go-get=1');
    logger.info('stopped');
    expect(parsed(lines()).map((record) => record['event'])).toEqual(['stopped']);
  });
});

describe('either format', () => {
  it('refuses an unknown format, naming the ones it knows', () => {
    expect(() => createLogger({ format: 'xml' as LogFormat })).toThrow(
      'log format "xml" is unknown; use text or json',
    );
  });

  it.each<LogFormat>(['text', 'json'])(
    '%s: a reader gone (EPIPE) stops the log, not the server',
    async (format) => {
      let writes = 0;
      const gone = new Writable({
        write: (_chunk, _encoding, done) => {
          writes += 1;
          done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        },
      });
      const logger = createLogger({ out: gone, errors: gone, format });
      logger.info('first');
      // The error arrives on a later tick; with no listener it would end the process.
      await new Promise((done) => setImmediate(done));
      expect(() => logger.info('second')).not.toThrow();
      expect(() => logger.request({ path: '/x' })).not.toThrow();
      expect(writes).toBe(1);
    },
  );
});
