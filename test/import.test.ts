// vanity import: sally.yaml and vangen.json to a vanity.yaml that parseConfig accepts, every
// key left out reported against its line, and the command's exit codes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { readInput } from '../src/import/input.js';
import type { ImportFormat } from '../src/import/input.js';
import { InputError } from '../src/import/model.js';
import { toVanityYaml } from '../src/import/output.js';
import { convertSally } from '../src/import/sally.js';
import { convertVangen } from '../src/import/vangen.js';
import { CLI, runCli } from './process.js';

let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run "npm run build" first');
  dir = mkdtempSync(join(tmpdir(), 'vanity-import-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A go.uber.org-like registry in the sally format, with one of each key sally knows. */
const SALLY = `url: go.uber.org

godoc:
  host: https://godoc.example.org/

packages:
  zap:
    repo: github.com/uber-go/zap
    description: Blazing fast, structured, leveled logging in Go.
  fx:
    repo: github.com/uber-go/fx
    branch: main
    description: |
      A dependency injection based application framework.
      Second line of the description.
  net/metrics:
    repo: github.com/yarpc/metrics
    doc_url: https://docs.example.org/metrics
  tools:
    repo: hg.example.org/tools
    vcs: hg
  yarpc:
    repo: github.com/yarpc/yarpc-go
    url: go.uber.org
  mirror:
    repo: go.googlesource.com/mirror
`;

/** vangen's own "all fields" example, grown to show each key it documents. */
const VANGEN = `{
  "domain": "4d63.com",
  "docsDomain": "docs.4d63.com",
  "index": true,
  "repositories": [
    {
      "prefix": "optional",
      "type": "git",
      "url": "https://github.com/leighmcculloch/go-optional",
      "source": {
        "home": "https://github.com/leighmcculloch/go-optional",
        "dir": "https://github.com/leighmcculloch/go-optional/tree/main{/dir}",
        "file": "https://github.com/leighmcculloch/go-optional/blob/main{/dir}/{file}#L{line}"
      },
      "website": {
        "url": "https://github.com/leighmcculloch/go-optional"
      }
    },
    {
      "prefix": "vangen",
      "url": "https://github.com/leighmcculloch/vangen",
      "hidden": true
    },
    {
      "prefix": "tools",
      "type": "hg",
      "url": "https://hg.example.org/tools"
    }
  ]
}
`;

function writeInput(name: string, text: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Converted {
  format: ImportFormat;
  config: Config;
  text: string;
  /** What was left out, as "line:column key". */
  left: string[];
  messages: string[];
}

/** Imports `text` in-process and parses the output again; fails when it is not valid. */
async function convert(name: string, text: string, from?: ImportFormat): Promise<Converted> {
  const file = writeInput(name, text);
  const input = await readInput(file, from);
  const imported = (input.format === 'sally' ? convertSally : convertVangen)(input.root, file);
  const output = toVanityYaml(imported, file, 'out.yaml');
  if (!output.ok) expect.fail(output.problems.map((p) => p.message).join('\n'));

  const parsed = parseConfig(output.text, 'out.yaml');
  if (!parsed.ok) expect.fail(parsed.problems.map((p) => p.message).join('\n'));
  const left = imported.left.map((p) => `${p.line}:${p.column} ${p.key}`);
  const messages = imported.left.map((p) => p.message);
  return { format: input.format, config: parsed.config, text: output.text, left, messages };
}

function modulePaths(config: Config): string[] {
  return config.modules.map((module) => module.path);
}

function moduleAt(config: Config, path: string) {
  const module = config.modules.find((m) => m.path === path);
  if (!module) expect.fail(`no module ${path}`);
  return module;
}

describe('sally.yaml', () => {
  it('carries over the host, docs host and every package, with nothing left out', async () => {
    const { format, config, left } = await convert('sally.yaml', SALLY);
    expect(format).toBe('sally');
    expect(left).toEqual([]);
    expect(config.host).toBe('go.uber.org');
    expect(config.docs).toBe('https://godoc.example.org/');
    expect(modulePaths(config)).toEqual([
      '/zap',
      '/fx',
      '/net/metrics',
      '/tools',
      '/yarpc',
      '/mirror',
    ]);
  });

  it('writes repo with https://, and vcs only where ours would not infer git', async () => {
    const { config, text } = await convert('sally.yaml', SALLY);
    expect(moduleAt(config, '/zap')).toMatchObject({
      repo: 'https://github.com/uber-go/zap',
      vcs: 'git',
      description: 'Blazing fast, structured, leveled logging in Go.',
    });
    expect(moduleAt(config, '/tools')).toMatchObject({
      repo: 'https://hg.example.org/tools',
      vcs: 'hg',
    });
    expect(moduleAt(config, '/mirror').vcs).toBe('git');
    expect(text).toMatch(
      /\/mirror:\n {4}repo: https:\/\/go\.googlesource\.com\/mirror\n {4}vcs: git/,
    );
    expect(text).not.toMatch(/\/zap:\n.*\n {4}vcs:/);
  });

  it('carries branch into source links, doc_url as docs_url, a long description', async () => {
    const { config } = await convert('sally.yaml', SALLY);
    const fx = moduleAt(config, '/fx');
    expect(fx.display).toContain('https://github.com/uber-go/fx/tree/main{/dir}');
    expect(fx.description).toBe(
      'A dependency injection based application framework.\nSecond line of the description.\n',
    );
    expect(moduleAt(config, '/net/metrics').docsUrl).toBe('https://docs.example.org/metrics');
  });

  it('reports every key it cannot carry over, at its line, and keeps the rest', async () => {
    const text = `url: go.uber.org
godocServer: https://godoc.org
packages:
  zap:
    repo: github.com/uber-go/zap
    doc_badge: https://pkg.go.dev/badge/go.uber.org/zap.svg
  thriftrw:
    repo: github.com/thriftrw/thriftrw-go
    url: go.thriftrw.dev
  atomic:
    repo: github.com/uber-go/atomic
    licence: MIT
  empty:
theme: dark
`;
    const { config, left, messages } = await convert('drops.yaml', text);
    expect(left).toEqual([
      '6:5 packages.zap.doc_badge',
      '9:5 packages.thriftrw.url',
      '12:5 packages.atomic.licence',
      '13:3 packages.empty',
      '14:1 theme',
    ]);
    expect(messages[1]).toContain('put it in a second one with "host: go.thriftrw.dev"');
    expect(messages[2]).toContain('not a sally key (sally ignored it too)');
    expect(messages[3]).toContain('no repo');
    expect(modulePaths(config)).toEqual(['/zap', '/atomic']);
    expect(config.docs).toBe('https://godoc.org/');
  });

  it('never makes a wildcard of a package named "*"', async () => {
    const text =
      'url: go.example.org\npackages:\n  "*":\n    repo: github.com/org/*\n' +
      '  zap:\n    repo: github.com/org/zap\n';
    const { config, left, messages } = await convert('star.yaml', text);
    expect(modulePaths(config)).toEqual(['/zap']);
    expect(config.wildcards).toEqual([]);
    expect(left).toEqual(['3:3 packages.*']);
    expect(messages[0]).toMatch(/would serve every name as a wildcard: left out; rename it$/);
  });

  it('leaves out, and names, what vanity.yaml would refuse', async () => {
    const text = `url: go.example.org
packages:
  lib/v1:
    repo: github.com/example/lib
  secret:
    repo: https://user:pw@github.com/example/secret
  old:
    repo: cvs.example.org/old
    vcs: cvs
  spaced:
    repo: github.com/example/spaced
    branch: my branch
    doc_url: https://docs.example.org/spaced?tab=doc
  zap:
    repo: github.com/example/zap
  zap/:
    repo: github.com/example/zap2
`;
    const { config, left, messages } = await convert('refused.yaml', text);
    expect(left).toEqual([
      '3:3 packages.lib/v1',
      '6:5 packages.secret.repo',
      '9:5 packages.old.vcs',
      '12:5 packages.spaced.branch',
      '13:5 packages.spaced.doc_url',
      '16:3 packages.zap/',
    ]);
    expect(messages[0]).toMatch(/would refuse it \(.*"v1".*\): module left out/);
    expect(messages[2]).toContain('unknown VCS "cvs"');
    expect(messages[5]).toContain('same module path as packages.zap');
    expect(modulePaths(config)).toEqual(['/spaced', '/zap']);
    expect(moduleAt(config, '/spaced').docsUrl).toBeUndefined();
  });

  it('keeps a path after the host in url, and a package url on the same host', async () => {
    const text = `url: https://example.org/go/
packages:
  a:
    repo: github.com/example/a
  b:
    repo: github.com/example/b
    url: example.org/other
`;
    const { config, left } = await convert('prefix.yaml', text);
    expect(left).toEqual([]);
    expect(config.host).toBe('example.org');
    expect(modulePaths(config)).toEqual(['/go/a', '/other/b']);
  });

  it('leaves host unset, and says so, when url is missing or not a domain', async () => {
    const missing = await convert('nourl.yaml', 'packages:\n  a:\n    repo: github.com/e/a\n');
    expect(missing.config.host).toBeUndefined();
    expect(missing.left).toEqual(['1:1 url']);

    const port = await convert(
      'port.yaml',
      'url: localhost:8080\npackages:\n  a:\n    repo: github.com/e/a\n',
    );
    expect(port.config.host).toBeUndefined();
    expect(port.left).toEqual(['1:1 url']);
    expect(port.messages[0]).toContain('host left unset');
  });

  it('reads an empty vcs as git, and keeps the scheme of the older godocServer', async () => {
    const text = `url: go.example.org
godocServer: http://godoc.internal/
packages:
  a:
    repo: github.com/e/a
    vcs: ""
`;
    const { config, left, text: output } = await convert('old.yaml', text);
    expect(left).toEqual([]);
    expect(output).not.toContain('vcs:');
    expect(config.docs).toBe('http://godoc.internal/');
  });

  it('leaves docs out when it is pkg.go.dev, the default of both', async () => {
    const text =
      'url: go.example.org\ngodoc:\n  host: pkg.go.dev\n' +
      'packages:\n  a:\n    repo: github.com/e/a\n';
    const { config, text: output } = await convert('godoc.yaml', text);
    expect(output).not.toContain('docs:');
    expect(config.docs).toBe('https://pkg.go.dev/');
  });
});

describe('vangen.json', () => {
  it('carries over domain, docsDomain, type, source, website and hidden', async () => {
    const { format, config, left } = await convert('vangen.json', VANGEN);
    expect(format).toBe('vangen');
    expect(left).toEqual([]);
    expect(config.host).toBe('4d63.com');
    expect(config.docs).toBe('https://docs.4d63.com/');
    expect(modulePaths(config)).toEqual(['/optional', '/vangen', '/tools']);

    const repo = 'https://github.com/leighmcculloch/go-optional';
    expect(moduleAt(config, '/optional')).toMatchObject({
      repo,
      vcs: 'git',
      display: `${repo} ${repo}/tree/main{/dir} ${repo}/blob/main{/dir}/{file}#L{line}`,
      docsUrl: repo,
    });
    expect(moduleAt(config, '/vangen').hidden).toBe(true);
    expect(moduleAt(config, '/tools').vcs).toBe('hg');
  });

  it('reports subs, main, index: false, unknown keys, a missing url or type', async () => {
    const text = `{
  "domain": "4d63.com",
  "index": false,
  "repositories": [
    {
      "prefix": "optional",
      "subs": ["template", { "name": "internal/gen", "hidden": true }],
      "url": "https://github.com/leighmcculloch/go-optional",
      "main": true,
      "stars": 12
    },
    { "prefix": "nourl" },
    { "prefix": "pkg3", "url": "https://example.com/repositories/go-pkg3" }
  ]
}
`;
    const { config, left, messages } = await convert('drops.json', text);
    expect(left).toEqual([
      '3:3 index',
      '7:7 repositories[0].subs',
      '9:7 repositories[0].main',
      '10:7 repositories[0].stars',
      '12:5 repositories[1]',
      '13:25 repositories[2].type',
    ]);
    expect(messages[0]).toContain('hidden: true');
    expect(messages[1]).toContain('every path below /optional is answered');
    expect(messages[5]).toContain('"vcs: git"; check it');
    expect(modulePaths(config)).toEqual(['/optional', '/pkg3']);
    expect(moduleAt(config, '/pkg3').vcs).toBe('git');
  });

  it('fills a partial source as vangen did: master links on GitHub, "_" elsewhere', async () => {
    const text = `{"domain": "example.com", "repositories": [
  {"prefix": "gh", "url": "https://github.com/e/gh", "source": {"home": "https://e.example/gh"}},
  {"prefix": "other", "url": "https://git.example.com/other.git",
   "source": {"dir": "https://git.example.com/other/browse{/dir}"}}
]}`;
    const { config } = await convert('partial.json', text);
    expect(moduleAt(config, '/gh').display).toBe(
      'https://e.example/gh https://github.com/e/gh/tree/master{/dir} ' +
        'https://github.com/e/gh/blob/master{/dir}/{file}#L{line}',
    );
    expect(moduleAt(config, '/other').display).toBe(
      '_ https://git.example.com/other/browse{/dir} _',
    );
  });

  it('reads keys in any case, as Go does, and an empty prefix as the domain root', async () => {
    const text =
      '{"Domain": "Example.COM", ' +
      '"REPOSITORIES": [{"Prefix": "", "URL": "https://github.com/e/r"}]}';
    const { config, left } = await convert('case.json', text);
    expect(left).toEqual([]);
    expect(config.host).toBe('example.com');
    expect(modulePaths(config)).toEqual(['/']);
  });

  it('omits docs when docsDomain is pkg.go.dev', async () => {
    const text =
      '{"domain": "e.org", "docsDomain": "pkg.go.dev", ' +
      '"repositories": [{"prefix": "a", "url": "https://github.com/e/a"}]}';
    expect((await convert('pkg.json', text)).text).not.toContain('docs:');
  });
});

describe('a vangen repository whose url is no URL', () => {
  it('is left out with one line, not also a guess at its VCS', async () => {
    const text = JSON.stringify({
      domain: 'go.example.org',
      repositories: [
        { prefix: 'a', url: 'not a url' },
        { prefix: 'b', url: 'https://github.com/o/b' },
      ],
    });
    const { config, left, messages } = await convert('bad-url.json', text);
    expect(modulePaths(config)).toEqual(['/b']);
    expect(left).toEqual(['1:58 repositories[0].url']);
    expect(messages).toEqual([expect.stringMatching(/is not a URL.*module left out/)]);
  });
});

describe('reading the input', () => {
  it.each([
    [
      'bad.yaml',
      'url: go.uber.org\npackages:\n  zap:\n    repo: [unclosed\n',
      /bad\.yaml:5:1: not valid YAML/,
    ],
    [
      'comma.json',
      '{\n  "domain": "x.org",\n  "repositories": [],\n}\n',
      /comma\.json:4:1: not valid JSON/,
    ],
    [
      'token.json',
      '{\n  "domain": "x.org",\n  "repositories": [\n    {"url": }\n  ]\n}\n',
      /token\.json:4:13: not valid JSON: Unexpected token '}'$/,
    ],
    [
      'shape.json',
      '{\n  "domain": "x.org",\n  "repositories": {"prefix": "a"}\n}\n',
      /shape\.json:3:3: repositories: expected a list$/,
    ],
    [
      'flag.json',
      '{"domain": "x.org", "repositories": [{"url": "https://github.com/a/b", "main": "yes"}]}',
      /flag\.json:1:72: repositories\[0\]\.main: expected true or false/,
    ],
    [
      'twice.yaml',
      'url: go.x.org\npackages:\n  a:\n    repo: github.com/a/a\n  a:\n    repo: github.com/a/b\n',
      /twice\.yaml:5:3: packages\.a: duplicate package name/,
    ],
    ['empty.yaml', '', /empty\.yaml: the file is empty/],
    ['list.yaml', '- a\n- b\n', /list\.yaml:1:1: expected a mapping of keys/],
    [
      'vanity.yaml',
      'host: a.org\npaths:\n  /a:\n    repo: https://github.com/a/a\n',
      /this is a vanity\.yaml already/,
    ],
    ['other.yaml', 'name: something\n', /pass --from sally or --from vangen/],
  ])('refuses %s with its place', async (name, text, message) => {
    const file = writeInput(name, text);
    const error = await readInput(file)
      .then((input) => (input.format === 'sally' ? convertSally : convertVangen)(input.root, file))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  });

  it('names the line of a byte that is not UTF-8', async () => {
    const file = writeInput(
      'latin1.yaml',
      Buffer.from('url: go.x.org\npackages:\n  caf\xe9:\n', 'latin1'),
    );
    await expect(readInput(file)).rejects.toThrow(/latin1\.yaml:3: not valid UTF-8/);
  });

  it('takes the format from --from over the content', async () => {
    const yaml = 'url: go.x.org\npackages:\n  a:\n    repo: github.com/a/a\n';
    expect((await convert('sally-as-yaml.txt', yaml, 'sally')).format).toBe('sally');
    const file = writeInput('forced.yaml', yaml);
    await expect(readInput(file, 'vangen')).rejects.toThrow(/not valid JSON/);
  });
});

const run = (args: string[]) => runCli(args, dir);

describe('vanity import (the command)', () => {
  it('exits 0 and prints a vanity.yaml that parses, when everything is carried over', () => {
    const file = writeInput('clean.json', VANGEN);
    const { code, stdout, stderr } = run(['import', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(parseConfig(stdout, 'stdout').ok).toBe(true);
  });

  it('exits 1, still printing the output, with a file:line:col line for each key left out', () => {
    const file = writeInput(
      'lossy.yaml',
      'url: go.x.org\npackages:\n  a:\n    repo: github.com/a/a\n    doc_badge: b.svg\n',
    );
    const { code, stdout, stderr } = run(['import', file]);
    expect(code).toBe(1);
    expect(parseConfig(stdout, 'stdout').ok).toBe(true);
    expect(stderr).toContain(`${file}:5:5: packages.a.doc_badge: no counterpart`);
    expect(stderr).toContain(`vanity: 1 thing was not carried over from ${file}`);
  });

  it('exits 2 with the place of a syntax error and writes nothing', () => {
    const file = writeInput('broken.json', '{\n  "domain": "x.org",\n  "repositories": [,]\n}\n');
    const out = join(dir, 'never.yaml');
    const { code, stdout, stderr } = run(['import', file, '--out', out]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^${file}:3:20: not valid JSON`));
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 and writes nothing when no module can be carried over', () => {
    const file = writeInput('none.yaml', 'url: go.x.org\npackages:\n  a:\n    url: go.y.org\n');
    const out = join(dir, 'none-out.yaml');
    const { code, stderr } = run(['import', file, '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:3:3: packages.a: no repo`);
    expect(stderr).toContain('no module of');
    expect(existsSync(out)).toBe(false);
  });

  it('writes --out, refuses to replace it without --force, and replaces it with', () => {
    const file = writeInput('out.yaml.sally', SALLY);
    const out = join(dir, 'written.yaml');
    const first = run(['import', file, '--from', 'sally', '--out', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${file}: wrote ${out}: 6 modules\n`);
    expect(run(['check', '--config', out]).code).toBe(0);

    writeFileSync(out, 'mine\n');
    const refused = run(['import', file, '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exists; pass --force to replace it');
    expect(readFileSync(out, 'utf8')).toBe('mine\n');

    expect(run(['import', file, '--out', out, '--force']).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('host: go.uber.org');
  });

  it.each([
    [['import']],
    [['import', 'x.yaml', '--from', 'govanityurls']],
    [['import', 'x.yaml', '--force']],
    [['import', 'missing.yaml']],
  ])('exits 2 on %j', (args) => {
    const { code, stderr } = run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error|only works with|no such file/);
  });

  it('is in the help', () => {
    expect(run(['--help']).stdout).toContain('import');
    const help = run(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--from <format>[\s\S]*--out <file>[\s\S]*--force/);
  });
});
