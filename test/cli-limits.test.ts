// `vanity serve` limits and log format as a user sets them: flags, usage errors, a real server.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, waitFor } from './process.js';
import { rawExchange } from './raw-http.js';

const CLI = resolve('dist/cli.js');
const REAL_CONFIG = resolve('vanity.yaml');
const SERVE = ['serve', '--config', REAL_CONFIG, '--port', '0', '--listen', '127.0.0.1'];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
});

describe('usage errors exit 2 and say what to pass', () => {
  it.each([
    [['--headers-timeout', '0'], /expected seconds above 0/],
    [['--request-timeout', 'soon'], /expected seconds from 0 to 3600/],
    [['--keep-alive-timeout', '-1'], /expected seconds/],
    [['--max-url-length', '100'], /expected a whole number of bytes from 256 to 65536/],
    [['--max-url-length', '8k'], /expected a whole number of bytes/],
    [['--log-format', 'xml'], /expected text or json/],
    [['--headers-timeout', '40'], /--headers-timeout cannot be longer than --request-timeout/],
  ])('%j', (flags, message) => {
    const result = spawnSync(process.execPath, [CLI, ...SERVE, ...flags], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('vanity serve --log-format json with tight limits', () => {
  it('logs JSON lines, answers 414 past --max-url-length and cuts a slow client', async () => {
    const flags = ['--log-format', 'json', '--max-url-length', '1024', '--headers-timeout', '0.5'];
    const child = spawn(process.execPath, [CLI, ...SERVE, ...flags, '--request-timeout', '1']);
    const output = collect(child);
    const address = await waitFor(output, /"event":"listening","address":"([^"]+)"/);
    const port = Number(new URL(address).port);

    const ok = await fetch(`${address}/otel?go-get=1`, { headers: { 'User-Agent': 'Go "1"' } });
    expect(ok.status).toBe(200);
    const long = await fetch(`${address}/otel/${'a'.repeat(1100)}`);
    expect(long.status).toBe(414);
    expect(await long.text()).toBe('URI too long: the request target is over 1024 bytes.\n');

    // Past 0.5 s of headers, cut at the next one-second check at the latest.
    const slow = [
      ...'GET /otel HTTP/1.1\r\nHost: go.opentelemetry.io\r\nX-Pad: aaaaaaaaaa\r\n\r\n',
    ];
    const cut = await rawExchange(port, slow, { gapMs: 100, timeoutMs: 5000 });
    expect(cut.closedAfterMs).toBeLessThan(2500);
    expect(cut.text === '' || cut.text.startsWith('HTTP/1.1 408 ')).toBe(true);

    child.kill('SIGTERM');
    expect(await new Promise((done) => child.on('exit', done))).toBe(0);
    const records = output.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record['event'])).toEqual([
      'start',
      'listening',
      'request',
      'request',
      'stopping',
      'stopped',
    ]);
    expect(records[2]).toMatchObject({ status: 200, kind: 'go-get', ua: 'Go "1"' });
    expect(records[3]).toMatchObject({ status: 414, kind: 'too-long' });
  });
});
