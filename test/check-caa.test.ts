// The pure parts of the live check: CAA parsing and policy, the CA tables, the meta reader.
import { describe, expect, it } from 'vitest';
import { caaFindings } from '../src/check/caa-findings.js';
import type { CaaFacts } from '../src/check/caa-findings.js';
import { climb, findCaaSet, parseIssueValue, permits } from '../src/check/caa.js';
import type { CaaResolver, CaaSet } from '../src/check/caa.js';
import { CAS, caForDomain, caForIssuer, PLATFORMS } from '../src/check/cas.js';
import { metaContents } from '../src/check/meta.js';
import { connectProblem, makeTarget, parseHostPort } from '../src/check/target.js';

function set(...records: [string, string][]): CaaSet {
  return {
    name: 'example.org',
    records: records.map(([tag, value]) => ({ critical: false, tag, value })),
  };
}

describe('CAA records', () => {
  it('climbs from the host to the top-level domain', () => {
    expect(climb('go.example.org')).toEqual(['go.example.org', 'example.org', 'org']);
    expect(climb('example.org.')).toEqual(['example.org', 'org']);
  });

  it('reads records as Node 20 gives them and as Node 22 and later do, with a type', async () => {
    const records = [
      { critical: 0, issue: 'pki.goog' },
      { critical: 128, type: 'CAA', issuewild: ';' },
    ];
    const resolver: CaaResolver = { resolveCaa: () => Promise.resolve(records as never) };
    expect(await findCaaSet('go.example.org', resolver)).toEqual({
      name: 'go.example.org',
      records: [
        { critical: false, tag: 'issue', value: 'pki.goog' },
        { critical: true, tag: 'issuewild', value: ';' },
      ],
    });
  });

  it('reads the issuer domain before ";" and keeps the parameters', () => {
    expect(parseIssueValue('letsencrypt.org; validationmethods=dns-01')).toEqual({
      domain: 'letsencrypt.org',
      parameters: 'validationmethods=dns-01',
    });
    expect(parseIssueValue(' PKI.goog ')).toEqual({ domain: 'pki.goog', parameters: '' });
    expect(parseIssueValue(';')).toEqual({ domain: null, parameters: '' });
  });

  it('applies issue, issuewild and the absence of either', () => {
    const policy = set(['issue', 'letsencrypt.org'], ['issuewild', 'pki.goog']);
    expect(permits(policy, CAS.letsencrypt, false)).toEqual({
      allowed: true,
      via: 'letsencrypt.org',
    });
    expect(permits(policy, CAS.google, false)).toEqual({ allowed: false });
    expect(permits(policy, CAS.google, true).allowed).toBe(true);
    expect(permits(policy, CAS.letsencrypt, true).allowed).toBe(false);
    expect(permits(set(['issue', 'pki.goog']), CAS.google, true).allowed).toBe(true);
    expect(permits(set(['iodef', 'mailto:a@example.org']), CAS.amazon, false)).toEqual({
      allowed: true,
      via: null,
    });
    expect(permits(null, CAS.amazon, false).allowed).toBe(true);
    expect(permits(set(['issue', 'awstrust.com']), CAS.amazon, false).allowed).toBe(true);
  });

  it('skips names without records, and stops at the first set', async () => {
    const asked: string[] = [];
    const resolver: CaaResolver = {
      resolveCaa: (name) => {
        asked.push(name);
        if (name === 'example.org') return Promise.resolve([{ critical: 0, issue: 'pki.goog' }]);
        const code = name === 'go.example.org' ? 'ENODATA' : 'ENOTFOUND';
        return Promise.reject(Object.assign(new Error(code), { code }));
      },
    };
    const found = await findCaaSet('a.go.example.org', resolver);
    expect(found).toEqual({
      name: 'example.org',
      records: [{ critical: false, tag: 'issue', value: 'pki.goog' }],
    });
    expect(asked).toEqual(['a.go.example.org', 'go.example.org', 'example.org']);
  });

  it('turns a failed lookup into one line that says why issuance stops', async () => {
    const resolver: CaaResolver = {
      resolveCaa: () => Promise.reject(Object.assign(new Error('x'), { code: 'ESERVFAIL' })),
    };
    await expect(findCaaSet('go.example.org', resolver)).rejects.toThrow(
      'CAA lookup of go.example.org failed: the DNS server answered SERVFAIL; ' +
        'CAs refuse to issue when CAA cannot be read',
    );
  });
});

describe('the CA and platform tables', () => {
  it.each([
    ["Let's Encrypt", 'letsencrypt.org'],
    ['Google Trust Services', 'pki.goog'],
    ['Google Trust Services LLC', 'pki.goog'],
    ['DigiCert Inc', 'digicert.com'],
    ['Sectigo Limited', 'sectigo.com'],
    ['ZeroSSL', 'sectigo.com'],
    ['Amazon', 'amazon.com'],
    ['SSL Corporation', 'ssl.com'],
    ['GlobalSign nv-sa', 'globalsign.com'],
  ])('maps issuer %s to %s', (issuer, domain) => {
    expect(caForIssuer(issuer)?.caaDomains[0]).toBe(domain);
  });

  it('knows no CA for an unknown issuer, and takes an unknown --ca-domain as it is', () => {
    expect(caForIssuer('Test Root CA')).toBeUndefined();
    expect(caForDomain('amazontrust.com')).toBe(CAS.amazon);
    expect(caForDomain('Example-CA.test')).toEqual({
      name: 'example-ca.test',
      caaDomains: ['example-ca.test'],
    });
  });

  it('asks App Engine users to allow both CAs it renews with', () => {
    expect(PLATFORMS.appengine?.cas.map((ca) => ca.caaDomains[0])).toEqual([
      'pki.goog',
      'letsencrypt.org',
    ]);
    expect(PLATFORMS.netlify?.cas).toEqual([CAS.letsencrypt]);
  });
});

describe('small readers', () => {
  it('reads go-import tags as the go command does, in any attribute order', () => {
    const html =
      "<html><head><meta content='a git https://x' name=go-import>" +
      '<meta name="go-import" content="b &amp; c"></head><body>' +
      '<meta name="go-import" content="after body"></body></html>';
    expect(metaContents(html, 'go-import')).toEqual(['a git https://x', 'b & c']);
  });

  it('reads HOST:PORT', () => {
    expect(parseHostPort('127.0.0.1:8443', 443)).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseHostPort('[::1]:53', 53)).toEqual({ host: '::1', port: 53 });
    expect(parseHostPort('example.org', 443)).toEqual({ host: 'example.org', port: 443 });
    expect(() => parseHostPort('a:b:c', 1)).toThrow('is not HOST:PORT');
  });

  it('reads a bare IPv6 address, with the default port', () => {
    expect(parseHostPort('::1', 53)).toEqual({ host: '::1', port: 53 });
    expect(parseHostPort('[::1]', 53)).toEqual({ host: '::1', port: 53 });
    expect(() => parseHostPort('', 53)).toThrow('"" is not HOST:PORT, such as 127.0.0.1:53');
  });
});

describe('connection problems', () => {
  const target = (connect: string, timeoutMs: number) =>
    makeTarget(new URL('http://go.vanity.test'), { connect, timeoutMs });
  const timeout = Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' });

  it('puts an IPv6 address in brackets', () => {
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' });
    expect(connectProblem(refused, target('[::1]:18444', 2000))).toBe(
      'connection refused by [::1]:18444: is the server running there?',
    );
  });

  it('says a short timeout in milliseconds, a long one in seconds', () => {
    expect(connectProblem(timeout, target('127.0.0.1:1', 250))).toBe(
      'no answer from 127.0.0.1:1 within 250ms (raise --timeout if it is slow)',
    );
    expect(connectProblem(timeout, target('127.0.0.1:1', 1500))).toContain('within 1.5s');
  });

  it('names the TLS problem without OpenSSL internals', () => {
    const https = makeTarget(new URL('https://go.vanity.test:8443'), {
      connect: '127.0.0.1:9',
      timeoutMs: 1000,
    });
    const alert = new Error(
      'write EPROTO 80ECB4:error:0A000410:SSL routines:ssl3_read_bytes:' +
        'sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:',
    );
    expect(connectProblem(Object.assign(alert, { code: 'EPROTO' }), https)).toBe(
      'TLS handshake with 127.0.0.1:9 failed: sslv3 alert handshake failure',
    );
  });
});

describe('CAA findings', () => {
  const facts = (overrides: Partial<CaaFacts>): CaaFacts => ({
    host: 'go.example.org',
    set: null,
    wildcard: null,
    issuer: { label: "Let's Encrypt (R3)", ca: CAS.letsencrypt },
    required: [{ ca: CAS.letsencrypt, source: 'used by Netlify' }],
    ...overrides,
  });
  const subjects = (f: CaaFacts) => caaFindings(f).map((item) => [item.check, item.subject]);

  it('names the host, not "CAA", when there are no records', () => {
    expect(subjects(facts({}))).toEqual([
      ['caa.records', 'go.example.org'],
      ['caa.issuer', 'go.example.org'],
      ['caa.platform', 'go.example.org'],
      ['caa.iodef', 'go.example.org'],
    ]);
    const unsaid = facts({ required: [] });
    expect(caaFindings(unsaid).find((f) => f.check === 'caa.platform')?.subject).toBe(
      'go.example.org',
    );
  });

  it("names the wildcard's parent, where the climb starts, for a wildcard certificate", () => {
    const wildcard = facts({ wildcard: '*.example.org' });
    expect(new Set(subjects(wildcard).map(([, subject]) => subject))).toEqual(
      new Set(['example.org']),
    );
    expect(caaFindings(wildcard)[0]?.message).toBe(
      'no CAA records from example.org up to its top-level domain: any CA may issue',
    );
  });

  it('fixes a wildcard with "issue" when no issuewild record exists', () => {
    const only = set(['issue', 'pki.goog'], ['iodef', 'mailto:a@example.org']);
    const found = caaFindings(facts({ set: only, wildcard: '*.example.org' }));
    const issuer = found.find((f) => f.check === 'caa.issuer');
    // An issuewild record would take wildcards from pki.goog; issue allows both kinds.
    expect(issuer?.fix).toBe('add example.org. CAA 0 issue "letsencrypt.org"');
    expect(issuer?.message).toContain('may not issue *.example.org');
  });
});

describe('the CAA lookup deadline', () => {
  it('gives up on a name after the timeout and cancels the query', async () => {
    let cancelled = 0;
    const silent: CaaResolver = {
      resolveCaa: () => new Promise(() => {}),
      cancel: () => {
        cancelled += 1;
      },
    };
    const started = Date.now();
    await expect(findCaaSet('go.example.org', silent, 100)).rejects.toThrow(
      'CAA lookup of go.example.org failed: the DNS server did not answer in time',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(cancelled).toBe(1);
  });
});
