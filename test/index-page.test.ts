// The index page's representations: which encoding a client gets, and when its ETag matches.
import { describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import { etagMatches, IndexPage, pickEncoding } from '../src/index-page.js';
import { registryFrom } from './helpers.js';

describe('pickEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br', 'br'],
    ['GZIP', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['br;q=0.0, gzip;q=0', 'identity'],
    ['*', 'gzip'],
    ['deflate', 'identity'],
  ])('%j gives %s', (header, encoding) => {
    expect(pickEncoding(header)).toBe(encoding);
  });
});

describe('etagMatches', () => {
  it.each([
    [undefined, false],
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['*', true],
    ['"abcd"', false],
    ['abc', false],
  ])('%j against "abc" is %s', (header, match) => {
    expect(etagMatches(header, '"abc"')).toBe(match);
  });
});

describe('IndexPage', () => {
  it('builds each representation once, with an ETag of its own', () => {
    const page = new IndexPage(Buffer.from('<p>index</p>'.repeat(100)));
    const gzip = page.representation('gzip');
    expect(page.representation('gzip, deflate')).toBe(gzip);
    expect(gzip.body.length).toBeLessThan(page.body.length);
    const identity = page.representation(undefined);
    expect(identity.body).toBe(page.body);
    expect(new Set([identity.etag, gzip.etag, page.representation('br').etag]).size).toBe(3);
  });

  it('varies on Host, Accept and Accept-Encoding when the domain comes from the request', () => {
    const open = new Answerer(registryFrom('paths:\n  /a:\n    repo: https://github.com/u/a\n'));
    const answer = open.answer({ method: 'GET', target: '/', host: 'go.example.org' });
    expect(answer.headers['Vary']).toBe('Host, Accept, Accept-Encoding');
    const notModified = open.answer({
      method: 'GET',
      target: '/',
      host: 'go.example.org',
      ifNoneMatch: answer.headers['ETag'],
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers['Vary']).toBe('Host, Accept, Accept-Encoding');
  });
});
