// Flag values of `vanity check --live`, in process: each bad value is one LiveUsageError line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { liveOptions, LiveUsageError } from '../src/check/command.js';
import type { LiveFlags } from '../src/check/command.js';
import { CONFIG, makeCa } from './check-fixtures.js';

let dir: string;
let goodPem: string;
const parsed = parseConfig(CONFIG, 'vanity.yaml');
const config = (parsed.ok ? parsed.config : undefined) as Config;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vanity-options-'));
  goodPem = `${(await makeCa('Test Root', 'Root 1')).certPem.trim()}\n`;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pemFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function usageError(flags: LiveFlags): Promise<string> {
  const error: unknown = await liveOptions(config, { live: true, ...flags }).catch((e) => e);
  expect(error).toBeInstanceOf(LiveUsageError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('--ca-file', () => {
  it('accepts a file of good certificates', async () => {
    const file = pemFile('good.pem', `${goodPem}${goodPem}`);
    const options = await liveOptions(config, { live: true, caFile: file });
    expect(options.extraCa).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a damaged block, naming the file, the block and its line', async () => {
    const lines = goodPem.trim().split('\n');
    // The second certificate has a line of its base64 garbled.
    lines[3] = '!!!! not base64 !!!!';
    const file = pemFile('damaged.pem', `${goodPem}${lines.join('\n')}\n`);
    const message = await usageError({ caFile: file });
    const line = goodPem.trim().split('\n').length + 1;
    expect(message).toBe(
      `--ca-file ${file}: certificate 2 (line ${line}) is not valid base64; ` +
        'copy the certificate again',
    );
  });

  it('refuses a block that decodes to something other than a certificate', async () => {
    const junk = Buffer.from('hello, not DER').toString('base64');
    const file = pemFile(
      'junk.pem',
      `-----BEGIN CERTIFICATE-----\n${junk}\n-----END CERTIFICATE-----\n`,
    );
    expect(await usageError({ caFile: file })).toBe(
      `--ca-file ${file}: certificate 1 (line 1) is not a readable X.509 certificate; ` +
        'copy the certificate again',
    );
  });

  it('refuses a block with no END line', async () => {
    const cut = goodPem.slice(0, goodPem.indexOf('-----END'));
    const file = pemFile('cut.pem', `${goodPem}${cut}`);
    const line = goodPem.trim().split('\n').length + 1;
    expect(await usageError({ caFile: file })).toBe(
      `--ca-file ${file}: certificate 2 (line ${line}) has no END CERTIFICATE line; ` +
        'copy the certificate again',
    );
  });
});

describe('other flag values', () => {
  it.each([
    [{ failDays: '30' }, '--fail-days 30 is more than --warn-days 21'],
    [{ warnDays: 'soon' }, '--warn-days "soon": expected whole days, such as 14'],
    [{ resolver: 'dns.example.org:53' }, "give the DNS server's IP address, such as 127.0.0.1:53"],
    [{ connect: 'nowhere:99999' }, '--connect "nowhere:99999" is not HOST:PORT'],
    [{ caFile: 'missing.pem' }, '--ca-file missing.pem: cannot read it (ENOENT)'],
    [{ live: 'ftp://go.vanity.test' }, '--live "ftp://go.vanity.test": use an https://'],
  ] as [LiveFlags, string][])('refuses %j', async (flags, message) => {
    expect(await usageError(flags)).toContain(message);
  });
});

describe('addresses and limits', () => {
  it('refuses an empty --connect or --resolver instead of ignoring it', async () => {
    expect(await usageError({ connect: '' })).toContain('--connect "" is not HOST:PORT');
    expect(await usageError({ resolver: '' })).toContain('--resolver "" is not HOST:PORT');
  });

  it('takes a bare IPv6 resolver, or one in brackets with a port', async () => {
    const bare = await liveOptions(config, { live: true, resolver: '::1' });
    expect(bare.resolver).toBe('[::1]:53');
    const bracketed = await liveOptions(config, { live: true, resolver: '[::1]:5353' });
    expect(bracketed.resolver).toBe('[::1]:5353');
    const v4 = await liveOptions(config, { live: true, resolver: '127.0.0.1' });
    expect(v4.resolver).toBe('127.0.0.1:53');
  });

  it('gives DNS examples with port 53', async () => {
    expect(await usageError({ resolver: '127.0.0.1:99999' })).toBe(
      '--resolver "127.0.0.1:99999" is not HOST:PORT, such as 127.0.0.1:53 or [::1]:53',
    );
  });

  it('refuses a timeout too short to mean anything', async () => {
    expect(await usageError({ timeout: 0.0001 })).toBe(
      '--timeout 0.0001: use at least 0.1 seconds',
    );
    expect((await liveOptions(config, { live: true, timeout: 0.25 })).timeoutMs).toBe(250);
  });
});
