// Module path, import path and vanity domain rules, checked against the go command's own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isImportElement,
  isVanityDomain,
  moduleElementProblem,
  normaliseModulePath,
  requestImportPath,
} from '../src/module-path.js';

describe('moduleElementProblem', () => {
  it.each([['a'], ['otel'], ['v2'], ['A-b_c~d'], ['a.b'], ['x.y.z'], ['0'], ['con-x'], ['a~b']])(
    'accepts %j',
    (element) => {
      expect(moduleElementProblem(element)).toBeNull();
    },
  );

  it.each([
    ['', /^empty path element/],
    ['.', /^"\." is not allowed in a module path$/],
    ['..', /^"\.\." is not allowed in a module path$/],
    ['.well-known', /^element "\.well-known" starts with a dot$/],
    ['a.', /^element "a\." ends with a dot$/],
    ['a b', /may use only ASCII letters, digits and "-\._~"$/],
    ['a+b', /may use only ASCII letters/],
    ['a%41', /may use only ASCII letters/],
    ['ä', /may use only ASCII letters/],
    ['a:b', /may use only ASCII letters/],
    ['CON', /^element "CON" is a reserved file name on Windows$/],
    ['nul.go', /reserved file name on Windows/],
    ['com1', /reserved file name on Windows/],
    ['lpt9.x.y', /reserved file name on Windows/],
    ['abc~1', /^element "abc~1" looks like a Windows short name$/],
    ['abc~12.txt', /looks like a Windows short name/],
  ])('refuses %j', (element, pattern) => {
    expect(moduleElementProblem(element)).toMatch(pattern);
  });
});

describe('normaliseModulePath', () => {
  it.each([
    ['/', '/'],
    ['/a', '/a'],
    ['/a/', '/a'],
    ['/a/b/c', '/a/b/c'],
    ['/a/b/', '/a/b'],
    ['/__proto__', '/__proto__'],
    ['/constructor/', '/constructor'],
  ])('normalises %j to %j', (raw, path) => {
    expect(normaliseModulePath(raw)).toEqual({ path, problem: null });
  });

  it.each([
    ['a', 'a', /^module path must start with "\/" \(write "\/a"\)$/],
    ['', '', /^module path must start with "\/"/],
    ['//', '/', /^empty path element/],
    ['/a//', '/a/', /^empty path element/],
    ['/a//b', '/a//b', /^empty path element/],
    ['/./a', '/./a', /^"\." is not allowed/],
    ['/a/..', '/a/..', /^"\.\." is not allowed/],
    ['/a/.git', '/a/.git', /starts with a dot/],
    ['/a b', '/a b', /may use only ASCII/],
  ])('reports %j (path %j)', (raw, path, pattern) => {
    const result = normaliseModulePath(raw);
    expect(result.path).toBe(path);
    expect(result.problem).toMatch(pattern);
  });
});

describe('requestImportPath', () => {
  it.each([
    ['/', '/'],
    ['/otel', '/otel'],
    ['/otel/', '/otel'],
    ['/otel/sdk/metric', '/otel/sdk/metric'],
    ['/a+b', '/a+b'],
    ['/v2.1.0', '/v2.1.0'],
  ])('reads %j as %j', (raw, path) => {
    expect(requestImportPath(raw)).toBe(path);
  });

  it.each([
    ['otel'],
    [''],
    ['/otel//sdk'],
    ['/otel/./sdk'],
    ['/otel/../x'],
    ['/%6Ftel'],
    ['/.well-known'],
    ['/otel/x.'],
    ['/con'],
    ['/a b'],
    ['/é'],
    ['//'],
    ['/otel//'],
    ['/otel/abc~1'],
    ['/otel/abc~1.x'],
    ['/otel/LPT1.txt/x'],
    ['/Con/x'],
  ])('refuses %j', (raw) => {
    expect(requestImportPath(raw)).toBeNull();
  });

  it('agrees with isImportElement on every element', () => {
    // Pieces that make elements reserved, short names, dotted or empty, and characters refused.
    const piece = fc.constantFrom(
      ...[
        '/',
        '.',
        '~',
        '~1',
        '1',
        'a',
        'Z',
        '+',
        '-',
        '_',
        'con',
        'COM1',
        'lpt9',
        'nul',
        '%',
        ' ',
      ],
    );
    const raw = fc.array(piece, { maxLength: 12 }).map((pieces) => `/${pieces.join('')}`);
    fc.assert(
      fc.property(raw, (path) => {
        expect(requestImportPath(path)).toBe(byElement(path));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes well under a millisecond for an 8 KiB path that fails at its end', () => {
    const paths = [`${'/a.b'.repeat(2048)}.`, `${'/a'.repeat(4096)}/~`, `/${'~'.repeat(8190)}1`];
    for (const path of paths) {
      const started = performance.now();
      for (let i = 0; i < 10; i++) requestImportPath(path);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });
});

/** The definition: one trailing slash dropped, then each element an import element. */
function byElement(raw: string): string | null {
  if (raw === '/') return raw;
  const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
  return path.slice(1).split('/').every(isImportElement) ? path : null;
}

describe('isImportElement', () => {
  it.each([
    ['a', true],
    ['a+b', true],
    ['a.b', true],
    ['.a', false],
    ['a.', false],
    ['', false],
    ['aux', false],
    ['a/b', false],
    ['a~1', false],
    ['a~b', true],
  ])('%j is %s', (element, ok) => {
    expect(isImportElement(element)).toBe(ok);
  });
});

describe('isVanityDomain', () => {
  it.each([
    ['go.example.org', true],
    ['go.opentelemetry.io', true],
    ['a.b', true],
    ['x-1.example.co.uk', true],
    ['example', false],
    ['localhost', false],
    ['Go.Example.org', false],
    ['go.example.org:8080', false],
    ['https://go.example.org', false],
    ['go.example.org/', false],
    ['go_x.example.org', false],
    ['-go.example.org', false],
    ['go-.example.org', false],
    ['go..example.org', false],
    ['.example.org', false],
    [`${'a'.repeat(64)}.org`, false],
    [`${'a'.repeat(63)}.org`, true],
    [`${'a.'.repeat(126)}ab`, false],
  ])('%j is %s', (host, ok) => {
    expect(isVanityDomain(host)).toBe(ok);
  });
});
