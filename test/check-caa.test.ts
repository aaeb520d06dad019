// The pure parts of the live check: CAA parsing and policy, the CA tables, the meta reader.
import { describe, expect, it } from 'vitest';
import { climb, findCaaSet, parseIssueValue, permits } from '../src/check/caa.js';
import type { CaaResolver, CaaSet } from '../src/check/caa.js';
import { CAS, caForDomain, caForIssuer, PLATFORMS } from '../src/check/cas.js';
import { metaContents } from '../src/check/meta.js';
import { parseHostPort } from '../src/check/target.js';

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
});
