// vanity check --live as a library, against loopback DNS and HTTPS servers only.
import { createServer as createHttpServer } from 'node:http';
import type { RequestListener, ServerResponse } from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import { createApp } from '../src/app.js';
import { createResolver, findCaaSet } from '../src/check/caa.js';
import { runLiveCheck } from '../src/check/live.js';
import type { LiveOptions } from '../src/check/live.js';
import { exitCode, overall } from '../src/check/report.js';
import type { Finding, LiveReport } from '../src/check/report.js';
import {
  CONFIG,
  HOST,
  closedPort,
  listenOn,
  makeCa,
  makeLeaf,
  startDns,
  startHttps,
  startRaw,
} from './check-fixtures.js';
import type { CaaSpec, TestCa, TestDns, TestServer } from './check-fixtures.js';
import { registryFrom } from './helpers.js';

const issue = (value: string): CaaSpec => ({ tag: 'issue', value });
const issuewild = (value: string): CaaSpec => ({ tag: 'issuewild', value });
const iodef: CaaSpec = { tag: 'iodef', value: 'mailto:security@vanity.test' };

let gts: TestCa;
let letsEncrypt: TestCa;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  gts = await makeCa('Google Trust Services', 'WR1');
  letsEncrypt = await makeCa("Let's Encrypt", 'R3');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

interface Scenario {
  zone: Record<string, CaaSpec[]>;
  ca?: TestCa;
  names?: string[];
  /** Days from now the certificate is valid until (negative: expired). */
  validDays?: number;
  handler?: RequestListener;
  config?: string;
  silentDns?: boolean;
  options?: Partial<LiveOptions>;
}

async function run(scenario: Scenario): Promise<LiveReport> {
  const ca = scenario.ca ?? gts;
  const leaf = await makeLeaf(ca, scenario.names ?? [HOST], -60, scenario.validDays ?? 60);
  const answerer = new Answerer(registryFrom(scenario.config ?? CONFIG));
  const server = await startHttps(leaf, scenario.handler ?? createApp(answerer));
  const dns = await startDns(scenario.zone, scenario.silentDns);
  open.push(server, dns);
  return runLiveCheck(answerer, {
    ...baseOptions(server, dns, ca),
    ...scenario.options,
  });
}

function baseOptions(server: TestServer, dns: TestDns, ca: TestCa): LiveOptions {
  return {
    url: `https://${HOST}`,
    connect: `127.0.0.1:${server.port}`,
    resolver: dns.address,
    extraCa: ca.certPem,
    warnDays: 21,
    failDays: 7,
    platform: 'appengine',
    timeoutMs: 2000,
  };
}

function only(report: LiveReport, check: string): Finding[] {
  return report.findings.filter((f) => f.check === check);
}

function one(report: LiveReport, check: string): Finding {
  const found = only(report, check);
  expect(found, `exactly one ${check} finding`).toHaveLength(1);
  return found[0] as Finding;
}

/** The head of our own go-get page for `path`: what a correct deployment sends first. */
function answerHead(path: string): string {
  const answerer = new Answerer(registryFrom(CONFIG));
  const page = answerer.answer({ method: 'GET', target: path, host: HOST }).body.toString('utf8');
  return page.slice(0, page.search(/<body[\s>]/i));
}

/** Writes filler to `res` as fast as it drains, until it closes or `limit` bytes went out. */
function pour(res: ServerResponse, limit: number): { bytes: number } {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const sent = { bytes: 0 };
  const more = () => {
    while (!res.destroyed && sent.bytes < limit) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    if (!res.destroyed) res.end();
  };
  more();
  return sent;
}

function failures(report: LiveReport): Finding[] {
  return report.findings.filter((f) => f.status === 'failure');
}

const HEALTHY_ZONE = {
  [HOST]: [],
  'vanity.test': [issue('letsencrypt.org'), issue('pki.goog'), iodef],
};

describe('the 2025 incident, on loopback', () => {
  it('fails and names the CAA record to add', async () => {
    const report = await run({
      zone: { [HOST]: [], 'vanity.test': [issue('letsencrypt.org')] },
      validDays: 5,
    });
    expect(overall(report.findings)).toBe('failure');
    expect(exitCode(report.findings, false)).toBe(1);

    const issuer = one(report, 'caa.issuer');
    expect(issuer.status).toBe('failure');
    expect(issuer.message).toContain('Google Trust Services (WR1) may not issue');
    expect(issuer.message).toContain('allows only letsencrypt.org');
    expect(issuer.fix).toBe('add vanity.test. CAA 0 issue "pki.goog"');

    const platform = only(report, 'caa.platform');
    expect(platform.map((f) => [f.status, f.fix])).toEqual([
      ['failure', 'add vanity.test. CAA 0 issue "pki.goog"'],
      ['ok', undefined],
    ]);
    expect(one(report, 'tls.expiry')).toMatchObject({ status: 'failure' });
    expect(one(report, 'tls.expiry').message).toMatch(/^expires in [45] days/);
    expect(one(report, 'caa.iodef')).toMatchObject({
      status: 'warning',
      fix: 'add vanity.test. CAA 0 iodef "mailto:security@vanity.test"',
    });
    // The deployment itself answers right: only the certificate side is broken.
    expect(
      failures(report)
        .map((f) => f.check)
        .sort(),
    ).toEqual(['caa.issuer', 'caa.platform', 'tls.expiry']);
  });
});

describe('healthy and certificate cases', () => {
  it('passes a healthy setup with no warnings', async () => {
    const report = await run({ zone: HEALTHY_ZONE });
    expect(report.findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(exitCode(report.findings, true)).toBe(0);
    expect(one(report, 'tls.chain').message).toBe('the chain verifies and names the host');
    expect(one(report, 'tls.issuer').message).toBe('issued by Google Trust Services (WR1)');
    expect(one(report, 'caa.records').message).toContain('inherited from vanity.test');
    // /otel and /tools, each itself and a sub-package, plus the unknown path.
    expect(only(report, 'http.go-get')).toHaveLength(4);
    expect(only(report, 'http.browser').map((f) => f.message)).toEqual([
      '302 to https://pkg.go.dev/go.vanity.test/otel/x',
      '302 to https://pkg.go.dev/go.vanity.test/tools/x',
    ]);
    expect(one(report, 'http.unknown').message).toContain('not claimed (HTTP 404');
    expect(report).toMatchObject({ url: `https://${HOST}`, host: HOST, platform: 'appengine' });
  });

  it('fails an expired certificate', async () => {
    const report = await run({ zone: HEALTHY_ZONE, validDays: -2 });
    expect(one(report, 'tls.chain')).toMatchObject({ status: 'failure' });
    expect(one(report, 'tls.chain').message).toContain('the certificate has expired');
    expect(one(report, 'tls.expiry').message).toMatch(/^expired [23] days ago/);
  });

  it('warns between the thresholds', async () => {
    const report = await run({ zone: HEALTHY_ZONE, validDays: 10 });
    expect(one(report, 'tls.expiry')).toMatchObject({ status: 'warning' });
    expect(exitCode(report.findings, false)).toBe(0);
    expect(exitCode(report.findings, true)).toBe(1);
  });

  it('fails a certificate that does not name the host, or an untrusted root', async () => {
    const wrongName = await run({ zone: HEALTHY_ZONE, names: ['other.test'] });
    expect(one(wrongName, 'tls.chain').message).toContain('does not name this host');
    const untrusted = await run({ zone: HEALTHY_ZONE, options: { extraCa: undefined } });
    expect(one(untrusted, 'tls.chain')).toMatchObject({ status: 'failure' });
  });
});

describe('CAA', () => {
  it('uses a parent domain set when the host has none', async () => {
    const report = await run({ zone: { 'vanity.test': [issue('pki.goog'), iodef] } });
    expect(one(report, 'caa.records')).toMatchObject({ subject: 'vanity.test', status: 'ok' });
    expect(one(report, 'caa.issuer').message).toContain('may issue, by "pki.goog"');
    // Let's Encrypt, the other CA App Engine renews with, is missing.
    expect(only(report, 'caa.platform').map((f) => [f.status, f.fix])).toEqual([
      ['ok', undefined],
      ['failure', 'add vanity.test. CAA 0 issue "letsencrypt.org"'],
    ]);
  });

  it("lets the host's own set override its parent's", async () => {
    const zone = {
      [HOST]: [issue('pki.goog'), issue('letsencrypt.org'), iodef],
      'vanity.test': [issue(';')],
    };
    const report = await run({ zone });
    expect(failures(report)).toEqual([]);
    expect(one(report, 'caa.records').message).toContain('CAA at the host');
  });

  it('passes with no CAA records at all: any CA may issue', async () => {
    const report = await run({ zone: { [HOST]: [] } });
    expect(one(report, 'caa.records').message).toContain('any CA may issue');
    expect(only(report, 'caa.platform').every((f) => f.status === 'ok')).toBe(true);
    expect(failures(report)).toEqual([]);
    // Each finding names a DNS name, as the README says: here the host, where the climb began.
    const caa = report.findings.filter((f) => f.check.startsWith('caa.'));
    expect(caa.map((f) => f.subject)).toEqual(caa.map(() => HOST));
  });

  it('judges a wildcard certificate by issuewild, a plain one by issue', async () => {
    const zone = {
      'vanity.test': [issue('pki.goog'), { tag: 'issuewild', value: 'letsencrypt.org' }],
    };
    const wildcard = await run({ zone, names: ['*.vanity.test'] });
    expect(one(wildcard, 'caa.issuer')).toMatchObject({
      status: 'failure',
      fix: 'add vanity.test. CAA 0 issuewild "pki.goog"',
    });
    const plain = await run({ zone });
    expect(one(plain, 'caa.issuer')).toMatchObject({ status: 'ok' });
  });

  it("judges a wildcard-only certificate at the wildcard's parent, by issuewild", async () => {
    // RFC 8659: renewing *.vanity.test climbs from vanity.test, whatever go.vanity.test says.
    const zone = {
      [HOST]: [issue('letsencrypt.org'), iodef],
      'vanity.test': [issue('letsencrypt.org'), issuewild(';'), iodef],
    };
    const report = await run({
      zone,
      ca: letsEncrypt,
      names: ['*.vanity.test'],
      options: { platform: 'netlify' },
    });
    expect(one(report, 'caa.records')).toMatchObject({ subject: 'vanity.test', status: 'ok' });
    expect(one(report, 'caa.records').message).toContain('*.vanity.test');
    const expected = {
      status: 'failure',
      subject: 'vanity.test',
      fix: 'add vanity.test. CAA 0 issuewild "letsencrypt.org"',
    };
    expect(one(report, 'caa.issuer')).toMatchObject(expected);
    expect(one(report, 'caa.issuer').message).toContain(
      "Let's Encrypt (R3) may not issue *.vanity.test, the wildcard that covers go.vanity.test",
    );
    // Netlify renews the certificate it serves: the same wildcard.
    expect(one(report, 'caa.platform')).toMatchObject(expected);
  });

  it("judges a certificate that also names the host itself by the host's set", async () => {
    const zone = {
      [HOST]: [issue('letsencrypt.org'), iodef],
      'vanity.test': [issue('letsencrypt.org'), issuewild(';'), iodef],
    };
    const report = await run({
      zone,
      ca: letsEncrypt,
      names: ['*.vanity.test', HOST],
      options: { platform: 'netlify' },
    });
    expect(failures(report)).toEqual([]);
    expect(one(report, 'caa.issuer')).toMatchObject({ subject: HOST, status: 'ok' });
  });

  it('reads parameters after ";" and honours issue ";"', async () => {
    const withParams = await run({
      zone: {
        'vanity.test': [issue('pki.goog; validationmethods=dns-01'), issue('letsencrypt.org')],
      },
    });
    expect(one(withParams, 'caa.issuer').message).toContain(
      'by "pki.goog; validationmethods=dns-01"',
    );
    const forbidden = await run({ zone: { 'vanity.test': [issue(';')] } });
    expect(one(forbidden, 'caa.issuer').message).toContain('allows only ";" (no CA)');
  });

  it('fails a critical tag that CAs do not know', async () => {
    const zone = { 'vanity.test': [issue('pki.goog'), { flags: 128, tag: 'tbs', value: 'x' }] };
    const report = await run({ zone, options: { platform: undefined, caDomains: ['pki.goog'] } });
    expect(one(report, 'caa.critical').message).toContain(
      'vanity.test. CAA 128 tbs "x" is critical',
    );
    expect(one(report, 'caa.platform').message).toContain('(from --ca-domain)');
  });

  it('warns when neither --platform nor --ca-domain says who renews', async () => {
    const report = await run({ zone: HEALTHY_ZONE, options: { platform: undefined } });
    expect(one(report, 'caa.platform')).toMatchObject({
      status: 'warning',
      fix: '--platform NAME',
    });
  });

  it('fails in bounded time when the DNS server never answers', async () => {
    const started = Date.now();
    const report = await run({ zone: {}, silentDns: true, options: { timeoutMs: 500 } });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(one(report, 'caa.lookup')).toMatchObject({ status: 'failure', subject: HOST });
    expect(one(report, 'caa.lookup').message).toContain('did not answer in time');
    expect(one(report, 'tls.chain').status).toBe('ok');
  });

  it('keeps each CAA query within the timeout, not a multiple of it', async () => {
    const dns = await startDns({}, true);
    open.push(dns);
    const started = Date.now();
    const lookup = findCaaSet(HOST, createResolver(dns.address, 800), 800);
    await expect(lookup).rejects.toThrow('did not answer in time');
    // node's resolver alone took about twice its timeout.
    expect(Date.now() - started).toBeLessThan(1300);
  });
});

describe('HTTP answers', () => {
  it('fails a wrong go-import tag', async () => {
    const wrong: RequestListener = (_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(
        '<!DOCTYPE html><html><head><meta name="go-import" ' +
          'content="go.vanity.test/otel git https://github.com/someone/else"></head></html>',
      );
    };
    const report = await run({ zone: HEALTHY_ZONE, handler: wrong });
    const first = only(report, 'http.go-get')[0] as Finding;
    expect(first).toMatchObject({ status: 'failure', subject: '/otel?go-get=1' });
    expect(first.message).toContain(
      'go-import "go.vanity.test/otel git https://github.com/someone/else"',
    );
    expect(first.message).toContain(
      'expected "go.vanity.test/otel git https://github.com/open-telemetry/opentelemetry-go"',
    );
    expect(only(report, 'http.browser').every((f) => f.status === 'failure')).toBe(true);
    expect(one(report, 'http.unknown').status).toBe('failure');
  });

  it('fails a module the deployment does not serve', async () => {
    const deployed = new Answerer(registryFrom(CONFIG.split('  /tools:')[0] ?? ''));
    const report = await run({ zone: HEALTHY_ZONE, handler: createApp(deployed) });
    const tools = failures(report);
    expect(tools.map((f) => f.subject)).toEqual([
      '/tools?go-get=1',
      '/tools/sub/pkg?go-get=1',
      '/tools/x',
    ]);
    expect(tools[0]?.message).toContain('no go-import tag (HTTP 404)');
    expect(tools[0]?.message).toContain('"go get go.vanity.test/tools" fails');
  });

  it('reports an unreachable host in one line each, with no stack trace', async () => {
    const dns = await startDns(HEALTHY_ZONE);
    open.push(dns);
    const port = await closedPort();
    const answerer = new Answerer(registryFrom(CONFIG));
    const report = await runLiveCheck(answerer, {
      ...baseOptions({ port, close: async () => {} }, dns, gts),
    });
    const connect = `connection refused by 127.0.0.1:${port}: is the server running there?`;
    expect(one(report, 'tls.connect').message).toBe(connect);
    expect(one(report, 'http.connect').message).toBe(connect);
    expect(report.findings.every((f) => !/\n\s+at /.test(f.message))).toBe(true);
  });

  it('says plainly that an https:// URL reached a server that does not speak TLS', async () => {
    const plain = await listenOn(createHttpServer(createApp(new Answerer(registryFrom(CONFIG)))));
    const other = await startRaw('SSH-2.0-OpenSSH_9.6\r\n');
    const dns = await startDns(HEALTHY_ZONE);
    open.push(plain, other, dns);
    for (const server of [plain, other]) {
      const report = await runLiveCheck(new Answerer(registryFrom(CONFIG)), {
        ...baseOptions(server, dns, gts),
      });
      const message =
        `the server at 127.0.0.1:${server.port} did not answer with TLS ` +
        `(is it plain http? try http://${HOST}:443)`;
      expect(one(report, 'tls.connect').message).toBe(message);
      expect(one(report, 'http.connect').message).toBe(message);
    }
  });

  it('stops reading a huge body at 1 MiB and judges its head', async () => {
    const expected = createApp(new Answerer(registryFrom(CONFIG)));
    const endless: RequestListener = (req, res) => {
      if (!(req.url ?? '').includes('go-get=1')) return expected(req, res);
      // The right head, then a body with no end in sight (1 GiB at most).
      const page = answerHead(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write(page);
      sent.push(pour(res, 1024 ** 3));
    };
    const sent: { bytes: number }[] = [];
    const started = Date.now();
    const report = await run({ zone: HEALTHY_ZONE, handler: endless });
    expect(Date.now() - started).toBeLessThan(1800);
    // The client hung up soon after 1 MiB; what else went out sat in socket buffers.
    expect(Math.max(...sent.map((s) => s.bytes))).toBeLessThan(32 * 1024 * 1024);
    const goGet = only(report, 'http.go-get');
    expect(goGet.map((f) => f.status)).toEqual(['warning', 'warning', 'warning', 'warning']);
    expect(goGet[0]?.message).toBe(
      'go-import "go.vanity.test/otel git https://github.com/open-telemetry/opentelemetry-go", ' +
        'but the body is over 1 MiB: reading stopped there',
    );
    expect(one(report, 'http.unknown').status).toBe('warning');
  });

  it('judges the head of a body that never ends, once the timeout is up', async () => {
    const stalled: RequestListener = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write(answerHead(req.url ?? ''));
    };
    const config = CONFIG.split('  /tools:')[0] ?? '';
    const report = await run({
      zone: HEALTHY_ZONE,
      config,
      handler: stalled,
      options: { timeoutMs: 600 },
    });
    const first = only(report, 'http.go-get')[0];
    expect(first?.status).toBe('warning');
    expect(first?.message).toContain(', but the body did not end within 600ms');
  });

  it('checks a plain http:// server, with TLS and CAA skipped and said so', async () => {
    const answerer = new Answerer(registryFrom(CONFIG));
    const server = await listenOn(createHttpServer(createApp(answerer)));
    open.push(server);
    const report = await runLiveCheck(answerer, {
      url: `http://127.0.0.1:${server.port}`,
      warnDays: 21,
      failDays: 7,
      timeoutMs: 2000,
    });
    expect(one(report, 'tls').status).toBe('warning');
    expect(one(report, 'config.host').status).toBe('warning');
    expect(only(report, 'caa.records')).toEqual([]);
    expect(failures(report)).toEqual([]);
  });

  it('expects a module at / to answer for every path, the unknown one included', async () => {
    const config = `host: ${HOST}\npaths:\n  /:\n    repo: https://github.com/example/root\n`;
    const answerer = new Answerer(registryFrom(config));
    const server = await listenOn(createHttpServer(createApp(answerer)));
    open.push(server);
    const report = await runLiveCheck(answerer, {
      url: `http://${HOST}`,
      connect: `127.0.0.1:${server.port}`,
      warnDays: 21,
      failDays: 7,
      timeoutMs: 2000,
    });
    expect(report.findings.map((f) => [f.check, f.subject, f.status])).toEqual([
      ['tls', HOST, 'warning'],
      ['http.go-get', '/?go-get=1', 'ok'],
      ['http.go-get', '/sub/pkg?go-get=1', 'ok'],
      ['http.browser', '/x', 'ok'],
      ['http.unknown', '/vanity-check-unknown/x?go-get=1', 'ok'],
    ]);
  });
});
