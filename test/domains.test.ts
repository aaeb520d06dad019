// Several vanity domains in one process: routing by Host, and what a config set must hold.
import { describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import { parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { answeringFor, Domains } from '../src/domains.js';
import { metaTags } from './helpers.js';

function config(text: string, file: string): Config {
  const result = parseConfig(text, file);
  if (!result.ok) throw new Error(`${file} should be valid`);
  return result.config;
}

const a = config('host: go.a.example\npaths:\n  /x:\n    repo: https://github.com/a/x\n', 'a.yaml');
const b = config('host: go.b.example\npaths:\n  /x:\n    repo: https://github.com/b/x\n', 'b.yaml');
const { answering, problems } = answeringFor([a, b]);
const ask = (target: string, host?: string) => answering.answer({ method: 'GET', target, host });

describe('several domains', () => {
  it('is a Domains router with no problems for distinct hosts', () => {
    expect(problems).toEqual([]);
    expect(answering).toBeInstanceOf(Domains);
    expect((answering as Domains).hosts).toEqual(['go.a.example', 'go.b.example']);
  });

  it.each([
    ['go.a.example', 'go.a.example/x git https://github.com/a/x'],
    ['GO.B.EXAMPLE:443', 'go.b.example/x git https://github.com/b/x'],
    ['go.b.example.', 'go.b.example/x git https://github.com/b/x'],
  ])('routes Host %s to its registry', (host, tag) => {
    const answer = ask('/x/y?go-get=1', host);
    expect(metaTags(answer.body.toString(), 'go-import')).toEqual([tag]);
    expect(answer.headers['Vary']).toBe('Host');
  });

  it('routes an absolute-form target by its authority', () => {
    const answer = ask('http://go.b.example/x?go-get=1', 'go.a.example');
    expect(metaTags(answer.body.toString(), 'go-import')[0]).toMatch(/^go\.b\.example\/x /);
  });

  it.each([undefined, 'go.c.example', 'localhost', '<x>'])('answers 404 to Host %s', (host) => {
    const answer = ask('/x?go-get=1', host);
    expect(answer.status).toBe(404);
    expect(answer.body.toString()).toContain('no Go modules for the host you asked');
    expect(answer.body.toString()).not.toContain('go-import');
    expect(answer.headers['Vary']).toBe('Host');
  });

  it('reports health for every domain together, whatever the Host', () => {
    const answer = ask('/.well-known/vanity/health');
    expect(JSON.parse(answer.body.toString())).toEqual({ status: 'ok', modules: 2, domains: 2 });
  });

  it('answers 405 before looking at the Host', () => {
    expect(answering.answer({ method: 'POST', target: '/x' }).status).toBe(405);
  });
});

describe('config sets', () => {
  it('keeps one config as a plain Answerer, whose Host is never read', () => {
    const one = answeringFor([a]).answering;
    expect(one).toBeInstanceOf(Answerer);
    const answer = one.answer({ method: 'GET', target: '/x?go-get=1', host: 'go.b.example' });
    expect(metaTags(answer.body.toString(), 'go-import')[0]).toMatch(/^go\.a\.example\/x /);
  });

  it('needs a host in each of several configs, and no host twice', () => {
    const noHost = config('paths:\n  /x:\n    repo: https://github.com/c/x\n', 'c.yaml');
    const again = config(
      'host: go.a.example\npaths:\n  /y:\n    repo: https://github.com/a/y\n',
      'd.yaml',
    );
    expect(answeringFor([a, noHost, again]).problems).toEqual([
      expect.objectContaining({
        file: 'c.yaml',
        key: 'host',
        message: expect.stringMatching(/each must set host/),
      }),
      expect.objectContaining({
        file: 'd.yaml',
        key: 'host',
        message: 'go.a.example is served by a.yaml too',
      }),
    ]);
  });
});
