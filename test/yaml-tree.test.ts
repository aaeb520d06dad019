// The position-keeping YAML tree under the config checker.
import { describe, expect, it } from 'vitest';
import { parseYamlTree, YamlSyntaxError } from '../src/yaml-tree.js';
import type { YamlMap, YamlNode, YamlScalar, YamlSeq } from '../src/yaml-tree.js';

function map(node: YamlNode | null): YamlMap {
  if (node?.kind !== 'map') expect.fail(`expected a map, got ${JSON.stringify(node)}`);
  return node;
}

function seq(node: YamlNode | null | undefined): YamlSeq {
  if (node?.kind !== 'seq') expect.fail(`expected a sequence, got ${JSON.stringify(node)}`);
  return node;
}

function scalar(node: YamlNode | null | undefined): YamlScalar {
  if (node?.kind !== 'scalar') expect.fail(`expected a scalar, got ${JSON.stringify(node)}`);
  return node;
}

function syntaxError(text: string): YamlSyntaxError {
  try {
    parseYamlTree(text);
  } catch (err) {
    expect(err).toBeInstanceOf(YamlSyntaxError);
    return err as YamlSyntaxError;
  }
  return expect.fail('expected a YamlSyntaxError');
}

describe('parseYamlTree', () => {
  it.each([[''], ['\n\n'], ['# only a comment\n']])('gives null for no document: %j', (text) => {
    expect(parseYamlTree(text)).toBeNull();
  });

  it.each([['---\n'], ['---\n...\n'], ['--- # nothing\n']])(
    'gives an empty plain scalar at 1:1 for an empty document: %j',
    (text) => {
      expect(parseYamlTree(text)).toEqual({
        kind: 'scalar',
        value: '',
        plain: true,
        pos: { line: 1, column: 1 },
      });
    },
  );

  it('gives every key and value its 1-based line and column', () => {
    const root = map(parseYamlTree('host: go.example.org\npaths:\n  /a:\n    repo: x\n'));
    expect(root.pos).toEqual({ line: 1, column: 1 });
    const [host, paths] = root.entries;
    expect(host?.key).toEqual({
      kind: 'scalar',
      value: 'host',
      plain: true,
      pos: { line: 1, column: 1 },
    });
    expect(host?.value).toEqual({
      kind: 'scalar',
      value: 'go.example.org',
      plain: true,
      pos: { line: 1, column: 7 },
    });
    const modules = map(paths?.value ?? null);
    expect(modules.pos).toEqual({ line: 3, column: 3 });
    const a = modules.entries[0];
    expect(scalar(a?.key).pos).toEqual({ line: 3, column: 3 });
    const repo = map(a?.value ?? null).entries[0];
    expect([scalar(repo?.key).pos, scalar(repo?.value).pos]).toEqual([
      { line: 4, column: 5 },
      { line: 4, column: 11 },
    ]);
  });

  it('counts lines the same with CRLF endings', () => {
    const root = map(parseYamlTree('a: 1\r\nb:\r\n  c: 2\r\n'));
    const inner = map(root.entries[1]?.value ?? null);
    expect(scalar(inner.entries[0]?.value)).toEqual(
      expect.objectContaining({ value: '2', pos: { line: 3, column: 6 } }),
    );
  });

  it('points an empty value at its key, and an empty item at its sequence', () => {
    const root = map(parseYamlTree('a: 1\npaths:\nmodules:\n  /b:\n'));
    expect(scalar(root.entries[1]?.value)).toEqual({
      kind: 'scalar',
      value: '',
      plain: true,
      pos: { line: 2, column: 1 },
    });
    const modules = map(root.entries[2]?.value ?? null);
    expect(scalar(modules.entries[0]?.value).pos).toEqual({ line: 4, column: 3 });
    const list = seq(parseYamlTree('- a\n-\n'));
    expect(scalar(list.items[1]).pos).toEqual({ line: 1, column: 1 });
    const nested = map(parseYamlTree('top:\n  inner: {}\n  empty:\n'));
    const inner = map(nested.entries[0]?.value ?? null);
    expect(scalar(inner.entries[1]?.value).pos).toEqual({ line: 3, column: 3 });
  });

  it.each([
    ['a: plain', true, 'plain'],
    ['a: ~', true, '~'],
    ['a: null', true, 'null'],
    ['a:', true, ''],
    ['a: "~"', false, '~'],
    ["a: 'null'", false, 'null'],
    ['a: !!str null', false, 'null'],
    ['a: |\n  block', false, 'block\n'],
  ])('marks %j as plain=%s with value %j', (text, plain, value) => {
    const node = scalar(map(parseYamlTree(text)).entries[0]?.value);
    expect([node.plain, node.value]).toEqual([plain, value]);
  });

  it('keeps mapping and sequence kinds, flow or block', () => {
    const root = map(parseYamlTree('a: [1, 2]\nb: {c: d}\ne:\n  - f\n'));
    expect(root.entries.map((e) => e.value.kind)).toEqual(['seq', 'map', 'seq']);
    expect(seq(root.entries[0]?.value).items.map((i) => scalar(i).value)).toEqual(['1', '2']);
    expect(seq(root.entries[0]?.value).pos).toEqual({ line: 1, column: 4 });
  });

  it('resolves an alias to the very node its anchor names', () => {
    const root = map(parseYamlTree('a: &x {k: v}\nb: *x\nc: &s text\nd: *s\n'));
    const [a, b, c, d] = root.entries;
    expect(b?.value).toBe(a?.value);
    expect(d?.value).toBe(c?.value);
    expect(scalar(d?.value).pos).toEqual({ line: 3, column: 7 });
  });

  it('keeps __proto__, constructor and duplicate keys as plain entries', () => {
    const text = '__proto__: {polluted: yes}\nconstructor: 1\ntoString: 2\nconstructor: 3\n';
    const root = map(parseYamlTree(text));
    expect(root.entries.map((e) => [scalar(e.key).value, e.key.pos.line])).toEqual([
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 3],
      ['constructor', 4],
    ]);
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(root.entries[0])).toBe(Object.prototype);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it.each([
    ['a: 1\n   b: 2\n', 2, 5, /bad indentation/],
    ['a: [1\nb: 2\n', 2, 1, /./],
    ['a: 1\n\tb: 2\n', 2, 1, /tab/],
    ['a: *missing\n', 1, 5, /^unknown alias \*missing$/],
    [`${'['.repeat(30)}${']'.repeat(30)}\n`, 1, 20, /maxDepth/],
  ])('throws a YamlSyntaxError at its place for %j', (text, line, column, reason) => {
    const error = syntaxError(text);
    expect(error.pos).toEqual({ line, column });
    expect(error.reason).toMatch(reason);
    expect(error.message).toBe(error.reason);
  });

  it.each([
    ['a: 1\n---\nb: 2\n', 2, '---'],
    ['---\na: 1\n---\nb: 2\n---\nc: 3\n', 3, '---'],
    ['a: 1\n...\nb: 2\n', 2, '...'],
    ['a: 1\n--- &x\nb: 2\n', 2, '---'],
    ['a: 1\n---\n', 2, '---'],
  ])('refuses a second document in %j at the marker to remove', (text, line, marker) => {
    const error = syntaxError(text);
    expect(error.pos).toEqual({ line, column: 1 });
    expect(error.reason).toBe(`only one YAML document is allowed (remove this "${marker}")`);
  });
});
