// vanity.yaml validation: what a good file becomes, and where and how every bad one is reported.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_MAX_AGE, parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { loadConfigFile } from '../src/load-config.js';
import { ConfigError, formatProblem } from '../src/problems.js';
import type { Problem } from '../src/problems.js';

const FILE = 'vanity.yaml';

/** YAML text from lines, so that line numbers in expectations are easy to count. */
function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** A file with one GitHub module at /a, plus `extra` lines for the module (indent 4). */
function oneModule(...extra: string[]): string {
  return yaml('paths:', '  /a:', '    repo: https://github.com/org/a', ...extra);
}

function parseOk(text: string): Config {
  const result = parseConfig(text, FILE);
  if (!result.ok) expect.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

function parseBad(text: string): Problem[] {
  const result = parseConfig(text, FILE);
  if (result.ok) expect.fail(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

/** [line, column, key path, message pattern] */
type Expected = [number, number, string, RegExp];

function expectProblems(problems: Problem[], expected: Expected[]): void {
  const where = problems.map((p) => [p.line, p.column, p.key]);
  expect(where).toEqual(expected.map(([line, column, key]) => [line, column, key]));
  expected.forEach(([, , , pattern], i) => expect(problems[i]?.message).toMatch(pattern));
  for (const problem of problems) expect(problem.file).toBe(FILE);
}

describe('the real registry', () => {
  it('parses /work/main/vanity.yaml to its 10 modules', async () => {
    const config = parseOk(await readFile(resolve('vanity.yaml'), 'utf8'));
    expect(config.host).toBe('go.opentelemetry.io');
    expect(config.cacheMaxAge).toBe(86_400);
    expect(config.warnings).toEqual([]);
    expect(config.modules.map((m) => m.path)).toEqual([
      '/otel',
      '/collector',
      '/collector-contrib',
      '/contrib',
      '/proto',
      '/build-tools',
      '/auto',
      '/ebpf-profiler',
      '/obi',
      '/otelc',
    ]);
    expect(config.modules.map((m) => m.line)).toEqual([4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    for (const module of config.modules) {
      expect(module.vcs).toBe('git');
      expect(module.repo).toMatch(/^https:\/\/github\.com\/open-telemetry\/opentelemetry-/);
      const home = module.repo;
      expect(module.display).toBe(
        `${home} ${home}/tree/HEAD{/dir} ${home}/blob/HEAD{/dir}/{file}#L{line}`,
      );
      expect(module.subdir).toBeUndefined();
      expect(module.description).toBeUndefined();
    }
    expect(config.modules[0]).toEqual({
      path: '/otel',
      repo: 'https://github.com/open-telemetry/opentelemetry-go',
      vcs: 'git',
      display:
        'https://github.com/open-telemetry/opentelemetry-go' +
        ' https://github.com/open-telemetry/opentelemetry-go/tree/HEAD{/dir}' +
        ' https://github.com/open-telemetry/opentelemetry-go/blob/HEAD{/dir}/{file}#L{line}',
      line: 4,
    });
    expect(JSON.stringify(config)).not.toMatch(/master/);
  });

  it('loads the same registry through loadConfigFile', async () => {
    const config = await loadConfigFile(resolve('vanity.yaml'));
    expect(config.file).toBe(resolve('vanity.yaml'));
    expect(config.modules).toHaveLength(10);
    expect(config.modules[9]?.path).toBe('/otelc');
  });
});

describe('defaults and plain values', () => {
  it('leaves host unset, caches for a day and warns about nothing', () => {
    const config = parseOk(oneModule());
    expect(config).toEqual({
      file: FILE,
      cacheMaxAge: DEFAULT_CACHE_MAX_AGE,
      docs: 'https://pkg.go.dev/',
      modules: [expect.objectContaining({ path: '/a', vcs: 'git', line: 2 })],
      wildcards: [],
      warnings: [],
    });
    expect(DEFAULT_CACHE_MAX_AGE).toBe(86_400);
    expect('host' in config && config.host !== undefined).toBe(false);
  });

  it.each([
    ['0', 0],
    ['3600', 3600],
    ['31536000', 31_536_000],
    ['"60"', 60],
    ['~', 86_400],
    ['', 86_400],
  ])('cache_max_age: %s gives %i', (value, seconds) => {
    const config = parseOk(`cache_max_age: ${value}\n${oneModule()}`);
    expect(config.cacheMaxAge).toBe(seconds);
  });

  it.each([['go.example.org'], ['"go.example.org"'], ['a.b'], ['go-1.example.co.uk']])(
    'host: %s is accepted',
    (value) => {
      const config = parseOk(`host: ${value}\n${oneModule()}`);
      expect(config.host).toBe(value.replace(/"/g, ''));
    },
  );

  it.each([['host:'], ['host: ~'], ['host: null']])('"%s" leaves host unset', (line) => {
    expect(parseOk(`${line}\n${oneModule()}`).host).toBeUndefined();
  });

  it('keeps the domain root "/" as a module path', () => {
    const config = parseOk(yaml('paths:', '  /:', '    repo: https://github.com/org/root'));
    expect(config.modules.map((m) => m.path)).toEqual(['/']);
  });

  it('drops one trailing slash from a module path', () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /a/:',
        '    repo: https://github.com/org/a',
        '  /b/c/:',
        '    repo: https://github.com/org/c',
      ),
    );
    expect(config.modules.map((m) => m.path)).toEqual(['/a', '/b/c']);
  });

  it('reads quoted keys and values, and CRLF line endings', () => {
    const text = yaml(
      'host: "go.example.org"',
      'paths:',
      "  '/q':",
      '    repo: "https://gitlab.com/g/q"',
      '    description: "Q: the module"',
    ).replace(/\n/g, '\r\n');
    const config = parseOk(text);
    expect(config.modules).toEqual([
      expect.objectContaining({
        path: '/q',
        repo: 'https://gitlab.com/g/q',
        vcs: 'git',
        description: 'Q: the module',
        line: 3,
      }),
    ]);
  });
});

describe('vcs', () => {
  it.each([
    ['https://github.com/org/r', 'GitHub'],
    ['https://GitHub.com/org/r', 'GitHub, any case'],
    ['https://gitlab.com/group/sub/r', 'GitLab'],
    ['https://bitbucket.org/org/r', 'Bitbucket'],
    ['https://codeberg.org/org/r', 'Codeberg'],
    ['ssh://git@github.com/org/r.git', 'GitHub over ssh'],
    ['https://git.example.com/org/r.git', '.git on another host'],
    ['git://127.0.0.1:9418/r.git', '.git with a port'],
  ])('is git for %s (%s)', (repo) => {
    const config = parseOk(yaml('paths:', '  /a:', `    repo: ${repo}`));
    expect(config.modules[0]?.vcs).toBe('git');
  });

  it.each([['git'], ['hg'], ['svn'], ['fossil'], ['bzr'], ['mod']])(
    'takes vcs: %s as written',
    (vcs) => {
      const config = parseOk(
        yaml('paths:', '  /a:', '    repo: https://x.example.org/r', `    vcs: ${vcs}`),
      );
      expect(config.modules[0]?.vcs).toBe(vcs);
    },
  );

  it('lets an explicit vcs override what the forge implies', () => {
    expect(parseOk(oneModule('    vcs: hg')).modules[0]?.vcs).toBe('hg');
  });

  it('infers the vcs when it is written as null', () => {
    expect(parseOk(oneModule('    vcs: ~')).modules[0]?.vcs).toBe('git');
  });
});

describe('display', () => {
  it.each([
    [
      'https://github.com/org/r',
      'https://github.com/org/r https://github.com/org/r/tree/HEAD{/dir}' +
        ' https://github.com/org/r/blob/HEAD{/dir}/{file}#L{line}',
    ],
    [
      'https://github.com/org/r.git/',
      'https://github.com/org/r https://github.com/org/r/tree/HEAD{/dir}' +
        ' https://github.com/org/r/blob/HEAD{/dir}/{file}#L{line}',
    ],
    [
      'https://gitlab.com/group/sub/r.git',
      'https://gitlab.com/group/sub/r https://gitlab.com/group/sub/r/-/tree/HEAD{/dir}' +
        ' https://gitlab.com/group/sub/r/-/blob/HEAD{/dir}/{file}#L{line}',
    ],
    [
      'https://bitbucket.org/org/r',
      'https://bitbucket.org/org/r https://bitbucket.org/org/r/src/HEAD{/dir}' +
        ' https://bitbucket.org/org/r/src/HEAD{/dir}/{file}#lines-{line}',
    ],
    // Source links are web pages: a clone URL's scheme, user and query stay out of them.
    [
      'ssh://git@github.com/org/r.git',
      'https://github.com/org/r https://github.com/org/r/tree/HEAD{/dir}' +
        ' https://github.com/org/r/blob/HEAD{/dir}/{file}#L{line}',
    ],
    [
      'git://gitlab.com/org/r',
      'https://gitlab.com/org/r https://gitlab.com/org/r/-/tree/HEAD{/dir}' +
        ' https://gitlab.com/org/r/-/blob/HEAD{/dir}/{file}#L{line}',
    ],
  ])('is inferred for %s', (repo, display) => {
    const config = parseOk(yaml('paths:', '  /a:', `    repo: ${repo}`));
    expect(config.modules[0]?.display).toBe(display);
    expect(config.modules[0]?.display).not.toMatch(/master|main/);
    expect(config.warnings).toEqual([]);
  });

  it.each([
    ['https://codeberg.org/org/r', 'https://codeberg.org/org/r _ _'],
    ['https://codeberg.org/org/r?tab=readme', 'https://codeberg.org/org/r _ _'],
  ])('names only the home page for %s, whose links need a branch, and warns', (repo, display) => {
    const config = parseOk(yaml('paths:', '  /a:', `    repo: ${repo}`));
    expect(config.modules[0]?.display).toBe(display);
    expect(config.warnings.map((w) => w.key)).toEqual(['paths./a.display']);
  });

  it('points source links into the subdir of a module', () => {
    const config = parseOk(oneModule('    subdir: go/mod'));
    expect(config.modules[0]?.display).toBe(
      'https://github.com/org/a https://github.com/org/a/tree/HEAD/go/mod{/dir}' +
        ' https://github.com/org/a/blob/HEAD/go/mod{/dir}/{file}#L{line}',
    );
  });

  it('names only the home page on an unknown forge, and warns at the repo', () => {
    const config = parseOk(yaml('paths:', '  /a:', '    repo: https://git.example.com/org/r.git'));
    expect(config.modules[0]?.display).toBe('https://git.example.com/org/r _ _');
    expect(config.warnings).toHaveLength(1);
    expect(formatProblem(config.warnings[0]!)).toBe(
      'vanity.yaml:3:11: paths./a.display: no source links for this forge;' +
        ' set display: "HOME DIR-TEMPLATE FILE-TEMPLATE"',
    );
  });

  it('keeps an explicit display, with its fields separated by one space', () => {
    const display =
      'https://h.example/r  https://h.example/r/d{/dir}\thttps://h.example/r/f{/dir}/{file}';
    const config = parseOk(oneModule(`    display: "${display.replace('\t', '\\t')}"`));
    expect(config.modules[0]?.display).toBe(
      'https://h.example/r https://h.example/r/d{/dir} https://h.example/r/f{/dir}/{file}',
    );
    expect(config.warnings).toEqual([]);
  });
});

describe('subdir and description', () => {
  it('keeps both when given', () => {
    const config = parseOk(oneModule('    subdir: go/sdk', '    description: The A module'));
    expect(config.modules[0]).toEqual(
      expect.objectContaining({ subdir: 'go/sdk', description: 'The A module' }),
    );
  });

  it('leaves both out when absent or null', () => {
    const config = parseOk(oneModule('    subdir: ~', '    description:'));
    expect(config.modules[0]).not.toHaveProperty('subdir');
    expect(config.modules[0]).not.toHaveProperty('description');
  });

  it('reads a number as description text', () => {
    expect(parseOk(oneModule('    description: 42')).modules[0]?.description).toBe('42');
  });
});

// Every problem: [name, yaml, expected problems in order].
const PROBLEMS: [string, string, Expected[]][] = [
  [
    'an unknown top-level key, with the nearest known key',
    yaml('hots: go.example.org', 'paths:', '  /a:', '    repo: https://github.com/org/a'),
    [[1, 1, 'hots', /^unknown key "hots"; did you mean "host"\?$/]],
  ],
  [
    'a top-level key written with dashes',
    `cache-max-age: 60\n${oneModule()}`,
    [[1, 1, 'cache-max-age', /^unknown key "cache-max-age"; did you mean "cache_max_age"\?$/]],
  ],
  [
    'an unknown top-level key with no near match',
    `colour: red\n${oneModule()}`,
    [[1, 1, 'colour', /^unknown key "colour"; known keys: host, cache_max_age, docs, paths$/]],
  ],
  [
    'unknown module keys',
    oneModule('    vsc: git', '    descripton: x', '    subdirs: go', '    colour: red'),
    [
      [4, 5, 'paths./a.vsc', /^unknown key "vsc"; did you mean "vcs"\?$/],
      [5, 5, 'paths./a.descripton', /^unknown key "descripton"; did you mean "description"\?$/],
      [6, 5, 'paths./a.subdirs', /^unknown key "subdirs"; did you mean "subdir"\?$/],
      [7, 5, 'paths./a.colour', /known keys: repo, vcs, .*, docs_url, hidden$/],
    ],
  ],
  [
    'a missing repo',
    yaml('paths:', '  /a:', '    vcs: git'),
    [[3, 5, 'paths./a', /^missing "repo": the repository URL, such as https:\/\/github\.com/]],
  ],
  [
    'a misspelt repo once, not again as missing',
    yaml('paths:', '  /a:', '    rpeo: https://github.com/org/a'),
    [[3, 5, 'paths./a.rpeo', /did you mean "repo"\?/]],
  ],
  ['an empty module mapping', yaml('paths:', '  /a: {}'), [[2, 7, 'paths./a', /^missing "repo"/]]],
  [
    'an empty repo',
    yaml('paths:', '  /a:', '    repo:'),
    [[3, 5, 'paths./a.repo', /^no value: write the repository URL/]],
  ],
  [
    'a repo that is not a URL',
    yaml(
      'paths:',
      '  /a:',
      '    repo: github.com/org/a',
      '  /b:',
      '    repo: https://github.com/org/b c',
      '  /c:',
      '    repo: git@github.com:org/c.git',
    ),
    [
      [3, 11, 'paths./a.repo', /^"github\.com\/org\/a" is not a URL; write one such as https:/],
      [5, 11, 'paths./b.repo', /^"https:\/\/github\.com\/org\/b c" is not a URL/],
      [7, 11, 'paths./c.repo', /^"git@github\.com:org\/c\.git" is not a URL/],
    ],
  ],
  [
    'a file: repo, refused for its scheme',
    yaml(
      'paths:',
      '  /a:',
      '    repo: file:///srv/git/a.git',
      '  /b:',
      '    repo: file:/srv/git/b.git',
    ),
    [
      [3, 11, 'paths./a.repo', /^scheme "file:" is not one the go command fetches \(https, http,/],
      [5, 11, 'paths./b.repo', /^scheme "file:" is not one the go command fetches/],
    ],
  ],
  [
    'an ftp repo',
    yaml('paths:', '  /a:', '    repo: ftp://ftp.example.org/a', '    vcs: git'),
    [[3, 11, 'paths./a.repo', /^scheme "ftp:" is not one.*\(https, http, git, ssh, git\+ssh,/]],
  ],
  [
    'an unknown vcs, with the nearest name',
    oneModule('    vcs: gti'),
    [[4, 10, 'paths./a.vcs', /^unknown VCS "gti"; did you mean "git"\?$/]],
  ],
  [
    'an unknown vcs in upper case',
    oneModule('    vcs: HG'),
    [[4, 10, 'paths./a.vcs', /^unknown VCS "HG"; did you mean "hg"\?$/]],
  ],
  [
    'an unknown vcs with no near name',
    oneModule('    vcs: subversion'),
    [
      [
        4,
        10,
        'paths./a.vcs',
        /^unknown VCS "subversion"; use one of git, hg, svn, fossil, bzr, mod$/,
      ],
    ],
  ],
  [
    'a vcs that is not text',
    oneModule('    vcs: [git]'),
    [[4, 10, 'paths./a.vcs', /^expected a text value$/]],
  ],
  [
    'a missing vcs on a host that does not tell',
    yaml('paths:', '  /a:', '    repo: https://code.example.org/a'),
    [[3, 11, 'paths./a.vcs', /^cannot tell the VCS of code\.example\.org; add "vcs:" \(git, hg,/]],
  ],
  [
    'vcs mod with a repo that is no proxy URL',
    yaml('paths:', '  /a:', '    repo: ssh://proxy.example.org/a', '    vcs: mod'),
    [[4, 10, 'paths./a.vcs', /^vcs "mod" needs an https:\/\/ module proxy URL$/]],
  ],
  ...(
    [
      ['-1', 'a negative'],
      ['1.5', 'a fractional'],
      ['1e3', 'an exponent'],
      ['0x10', 'a hex'],
      ['one day', 'a word for a'],
      ['31536001', 'a more than one year'],
      ['[60]', 'a list for a'],
    ] as const
  ).map(([value, what]): [string, string, Expected[]] => [
    `${what} cache_max_age`,
    `cache_max_age: ${value}\n${oneModule()}`,
    [[1, 16, 'cache_max_age', /^expected whole seconds from 0 to 31536000, such as 86400/]],
  ]),
  [
    'a host with a scheme',
    `host: https://go.example.org\n${oneModule()}`,
    [[1, 7, 'host', /^write the bare domain name: host: go\.example\.org$/]],
  ],
  [
    'a host with a trailing slash',
    `host: go.example.org/\n${oneModule()}`,
    [[1, 7, 'host', /^write the bare domain name: host: go\.example\.org$/]],
  ],
  [
    'a host with a port',
    `host: go.example.org:8080\n${oneModule()}`,
    [[1, 7, 'host', /^"go\.example\.org:8080" is not a domain name with a dot and no port/]],
  ],
  [
    'a host in upper case',
    `host: Go.Example.ORG\n${oneModule()}`,
    [[1, 7, 'host', /^write the domain in lower case: host: go\.example\.org$/]],
  ],
  [
    'a host without a dot',
    `host: localhost\n${oneModule()}`,
    [[1, 7, 'host', /^"localhost" is not a domain name with a dot .*such as go\.example\.org$/]],
  ],
  [
    'a host with an underscore',
    `host: go_x.example.org\n${oneModule()}`,
    [[1, 7, 'host', /^"go_x\.example\.org" is not a domain name/]],
  ],
  [
    'a host that is a mapping',
    `host: {name: go.example.org}\n${oneModule()}`,
    [[1, 7, 'host', /^expected a text value$/]],
  ],
  [
    'a module path without a leading slash',
    yaml('paths:', '  a/b:', '    repo: https://github.com/org/a'),
    [[2, 3, 'paths.a/b', /^module path must start with "\/" \(write "\/a\/b"\)$/]],
  ],
  [
    'a duplicate path after dropping a trailing slash',
    yaml(
      'paths:',
      '  /a/:',
      '    repo: https://github.com/org/a',
      '  /a:',
      '    repo: https://github.com/org/b',
    ),
    [[4, 3, 'paths./a', /^same module path as line 2; keep one of them$/]],
  ],
  [
    'a duplicate path the other way round',
    yaml(
      'paths:',
      '  /a:',
      '    repo: https://github.com/org/a',
      '  /a/:',
      '    repo: https://github.com/org/b',
    ),
    [[4, 3, 'paths./a/', /^same module path as line 2; keep one of them$/]],
  ],
  [
    'a path written twice',
    yaml(
      'paths:',
      '  /a:',
      '    repo: https://github.com/org/a',
      '  /a:',
      '    repo: https://github.com/org/a',
    ),
    [[4, 3, 'paths./a', /^same module path as line 2/]],
  ],
  ...(
    [
      ['/b/./c', /^"\." is not allowed in a module path$/],
      ['/b/../c', /^"\.\." is not allowed in a module path$/],
      ['/..', /^"\.\." is not allowed in a module path$/],
      ['/b//c', /^empty path element \(a double or trailing "\/"\)$/],
      ['/b//', /^empty path element/],
      ['//', /^empty path element/],
      ['/.hidden', /^element "\.hidden" starts with a dot$/],
      ['/x.', /^element "x\." ends with a dot$/],
      ['/b c', /^element "b c" may use only ASCII letters, digits and "-\._~"$/],
      ['/b$c', /^element "b\$c" may use only ASCII letters, digits/],
      ['/b+c', /^element "b\+c" may use only ASCII letters, digits/],
      ['/é', /^element "é" may use only ASCII letters, digits/],
      ['/b\\c', /^element "b\\c" may use only ASCII letters, digits/],
      ['/con', /^element "con" is a reserved file name on Windows$/],
      ['/x/LPT1.txt', /^element "LPT1\.txt" is a reserved file name on Windows$/],
      ['/x~1', /^element "x~1" looks like a Windows short name$/],
    ] as const
  ).map(([path, pattern]): [string, string, Expected[]] => [
    `the module path ${path}`,
    yaml('paths:', `  ${path}:`, '    repo: https://github.com/o/a'),
    [[2, 3, `paths.${path}`, pattern]],
  ]),
  [
    'duplicate keys, at the top and in a module',
    yaml(
      'host: go.example.org',
      'host: go.example.com',
      'paths:',
      '  /a:',
      '    repo: https://github.com/org/a',
      '    repo: https://github.com/org/b',
    ),
    [
      [2, 1, 'host', /^duplicate key; keep one of them$/],
      [6, 5, 'paths./a.repo', /^duplicate key; keep one of them$/],
    ],
  ],
  [
    'a module given as a string',
    yaml('paths:', '  /a: https://github.com/org/a'),
    [[2, 7, 'paths./a', /^expected a mapping; write "repo: https:\/\/github\.com\/org\/a" on the/]],
  ],
  [
    'a module with no value',
    yaml('paths:', '  /a:', '  /b:', '    repo: https://github.com/org/b'),
    [[2, 3, 'paths./a', /^expected a mapping; write "repo: URL" on the next line$/]],
  ],
  [
    'a module given as a list',
    yaml('paths:', '  /a:', '    - https://github.com/org/a'),
    [[3, 5, 'paths./a', /^expected a mapping; write "repo: URL" on the next line$/]],
  ],
  [
    'a display with two fields',
    oneModule('    display: "https://h.example/a https://h.example/a/d{/dir}"'),
    [
      [
        4,
        15,
        'paths./a.display',
        /^expected three fields, "HOME DIR-TEMPLATE FILE-TEMPLATE", found 2$/,
      ],
    ],
  ],
  [
    'a display with four fields',
    oneModule('    display: a b c d'),
    [[4, 14, 'paths./a.display', /^expected three fields, .*found 4$/]],
  ],
  [
    'a display with quote marks inside',
    oneModule(`    display: '"a" b c'`),
    [[4, 15, 'paths./a.display', /^remove the quote marks inside the three fields$/]],
  ],
  [
    'a subdir that climbs out',
    oneModule('    subdir: ../go'),
    [
      [
        4,
        13,
        'paths./a.subdir',
        /^"\.\." is not allowed .*; write a relative folder, such as "go"$/,
      ],
    ],
  ],
  [
    'an absolute subdir',
    oneModule('    subdir: /go'),
    [[4, 13, 'paths./a.subdir', /^empty path element .*; write a relative folder/]],
  ],
  [
    'a description that is a list',
    oneModule('    description: [a, b]'),
    [[4, 18, 'paths./a.description', /^expected a text value$/]],
  ],
  ['an empty file', '', [[1, 1, '', /^the file is empty; add a "paths:" mapping$/]]],
  ['a file of comments', yaml('# nothing yet', ''), [[1, 1, '', /^the file is empty/]]],
  ['a lone document marker', yaml('---'), [[1, 1, '', /^the file is empty/]]],
  ['a list at the top', yaml('- /a'), [[1, 1, '', /^expected a mapping with "host" and "paths"/]]],
  ['a word at the top', yaml('', 'hello'), [[2, 1, '', /^expected a mapping with "host"/]]],
  [
    'no paths',
    yaml('host: go.example.org'),
    [[1, 1, 'paths', /^no modules: add "paths:" with one entry per module path$/]],
  ],
  [
    'paths with no value',
    yaml('host: go.example.org', 'paths:'),
    [[2, 1, 'paths', /^no modules: add "paths:"/]],
  ],
  ['paths as an empty mapping', yaml('paths: {}'), [[1, 8, 'paths', /^no modules: add one entry/]]],
  [
    'paths as a list',
    yaml('paths:', '  - /a'),
    [[2, 3, 'paths', /^expected a mapping of module paths, such as "\/foo:"$/]],
  ],
  [
    'a YAML syntax error: bad indentation',
    yaml('paths:', '  /a:', '    repo: https://github.com/org/a', '   vcs: git'),
    [[4, 4, '', /^YAML syntax error: bad indentation of a mapping entry$/]],
  ],
  [
    'a YAML syntax error: a tab',
    yaml('host: go.example.org', '\tpaths:'),
    [[2, 1, '', /^YAML syntax error: tab characters must not be used in indentation$/]],
  ],
  [
    'a YAML syntax error: an unclosed flow sequence',
    yaml('paths:', '  /a:', '    repo: [https://github.com/org/a', '  /b: x'),
    [[4, 3, '', /^YAML syntax error: /]],
  ],
  [
    'a YAML syntax error: an unknown alias',
    yaml('paths:', '  /a: *module'),
    [[2, 8, '', /^YAML syntax error: unknown alias \*module$/]],
  ],
  [
    'a second document',
    yaml('paths:', '  /a:', '    repo: https://github.com/org/a', '---', 'host: go.example.org'),
    [[4, 1, '', /^YAML syntax error: only one YAML document is allowed \(remove this "---"\)$/]],
  ],
  [
    'a second document after an explicit first one',
    yaml(
      '---',
      'paths:',
      '  /a:',
      '    repo: https://github.com/org/a',
      '...',
      '---',
      'host: go.example.org',
    ),
    [[6, 1, '', /^YAML syntax error: only one YAML document is allowed \(remove this "---"\)$/]],
  ],
  [
    'a second document after an end marker',
    yaml('paths:', '  /a:', '    repo: https://github.com/org/a', '...', 'host: go.example.org'),
    [[4, 1, '', /^YAML syntax error: only one YAML document is allowed \(remove this "\.\.\."\)$/]],
  ],
];

describe('problems', () => {
  it.each(PROBLEMS)('reports %s', (_name, text, expected) => {
    expectProblems(parseBad(text), expected);
  });

  it('reports every problem of a file in one run', () => {
    const text = yaml(
      'host: https://go.example.org', // 1
      'cache_max_age: -5', // 2
      'colour: blue', // 3
      'paths:', // 4
      '  otel:', // 5
      '    repo: https://github.com/org/otel', // 6
      '  /a:', // 7
      '    repo: https://example.org/a', // 8
      '    vcs: gti', // 9
      '  /b:', // 10
      '    rpo: https://github.com/org/b', // 11
      '  /b/:', // 12
      '    repo: file:///srv/b', // 13
      '  /c: https://github.com/org/c', // 14
      '  /d:', // 15
      '    repo: https://github.com/org/d', // 16
      '    display: one two', // 17
    );
    // Reported in file order, as an editor lists them, though keys are checked first.
    const problems = parseBad(text);
    expect(problems.map(formatProblem)).toEqual([
      'vanity.yaml:1:7: host: write the bare domain name: host: go.example.org',
      'vanity.yaml:2:16: cache_max_age: expected whole seconds from 0 to 31536000,' +
        ' such as 86400 (one day)',
      'vanity.yaml:3:1: colour: unknown key "colour"; known keys: host, cache_max_age, docs, paths',
      'vanity.yaml:5:3: paths.otel: module path must start with "/" (write "/otel")',
      'vanity.yaml:9:10: paths./a.vcs: unknown VCS "gti"; did you mean "git"?',
      'vanity.yaml:11:5: paths./b.rpo: unknown key "rpo"; did you mean "repo"?',
      'vanity.yaml:12:3: paths./b/: same module path as line 10; keep one of them',
      'vanity.yaml:13:11: paths./b/.repo: scheme "file:" is not one the go command fetches' +
        ' (https, http, git, ssh, git+ssh, svn, svn+ssh, bzr, bzr+ssh)',
      'vanity.yaml:14:7: paths./c: expected a mapping; write "repo: https://github.com/org/c"' +
        ' on the next line',
      'vanity.yaml:17:14: paths./d.display: expected three fields,' +
        ' "HOME DIR-TEMPLATE FILE-TEMPLATE", found 2',
    ]);
  });

  it.each([
    [
      { file: 'a/vanity.yaml', line: 3, column: 11, key: 'paths./a.repo', message: 'bad' },
      'a/vanity.yaml:3:11: paths./a.repo: bad',
    ],
    [
      { file: 'vanity.yaml', line: 1, column: 1, key: '', message: 'the file is empty' },
      'vanity.yaml:1:1: the file is empty',
    ],
  ])('formatProblem(%j) is %s', (problem, text) => {
    expect(formatProblem(problem)).toBe(text);
  });

  it('asks for the vcs of an unknown host, listing every choice', () => {
    const problems = parseBad(yaml('paths:', '  /a:', '    repo: https://code.example.org/a'));
    expect(problems.map(formatProblem)).toEqual([
      'vanity.yaml:3:11: paths./a.vcs: cannot tell the VCS of code.example.org;' +
        ' add "vcs:" (git, hg, svn, fossil, bzr, mod)',
    ]);
  });

  it('points a syntax error at its line in the formatted form', () => {
    const problems = parseBad(yaml('host: go.example.org', 'paths:', '  /a: [unclosed'));
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toMatch(/^vanity\.yaml:4:1: YAML syntax error: \S/);
  });

  it('names the file it was given in every problem', () => {
    const result = parseConfig(yaml('hots: x', 'paths:'), 'conf/other.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      'conf/other.yaml:1:1: hots: unknown key "hots"; did you mean "host"?',
      'conf/other.yaml:2:1: paths: no modules: add "paths:" with one entry per module path',
    ]);
  });
});

describe('what the go command would refuse', () => {
  it.each(['/foo/v1', '/foo/v0', '/v1', '/foo/v02', '/foo/v2.0', '/foo/v1.2.3'])(
    'refuses the major version suffix of %s',
    (path) => {
      const problems = parseBad(yaml('paths:', `  ${path}:`, '    repo: https://github.com/o/r'));
      expect(problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/is not a major version suffix the go command accepts \(use v2/),
      ]);
    },
  );

  it.each(['/foo/v2', '/foo/v10', '/v3', '/foo/v2x', '/foo/version'])('accepts %s', (path) => {
    expect(
      parseOk(yaml('paths:', `  ${path}:`, '    repo: https://github.com/o/r')).modules,
    ).toHaveLength(1);
  });

  it.each([
    ['a bad percent escape', "'https://github.com/o/r%zz'", /is not a URL/],
    ['a control character', '"https://github.com/o/r\\u0001"', /control character U\+0001/],
    ['a line break', '"https://github.com/o/r\\nx"', /remove a line break/],
    ['a password', 'https://me:secret@github.com/o/r', /remove the password.*github\.com\/o\/r$/],
  ])('refuses a repo with %s', (_name, repo, pattern) => {
    const problems = parseBad(yaml('paths:', '  /a:', `    repo: ${repo}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(pattern);
    expect(problems[0]?.message).not.toContain('\n');
  });

  it('refuses a control character in display but keeps line breaks in a description', () => {
    const bad = parseBad(oneModule('    display: "https://x.org/y\\u0001 _ _"'));
    expect(bad[0]?.key).toBe('paths./a.display');
    const ok = parseOk(oneModule('    description: |', '      Two lines', '      of text'));
    expect(ok.modules[0]?.description).toBe('Two lines\nof text\n');
  });

  it('accepts git+ssh, which the go command clones', () => {
    const config = parseOk(
      oneModule().replace('https://github.com/org/a', 'git+ssh://git@x.org/a.git'),
    );
    expect(config.modules[0]?.vcs).toBe('git');
  });

  it('warns that GOVCS blocks svn, bzr and fossil for public modules', () => {
    const config = parseOk(
      yaml('paths:', '  /a:', '    repo: https://svn.example.org/a', '    vcs: svn'),
    );
    expect(config.warnings.map(formatProblem)).toContain(
      'vanity.yaml:4:10: paths./a.vcs: users need GOVCS=svn.example.org:svn' +
        ' (the default allows only git and hg)',
    );
  });

  it('offers no guess that shares nothing with the word', () => {
    const problems = parseBad(oneModule('    vcs: 1'));
    expect(problems[0]?.message).toBe('unknown VCS "1"; use one of git, hg, svn, fossil, bzr, mod');
  });
});

describe('warnings', () => {
  it('warns of module paths that differ only in letter case', () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /Foo:',
        '    repo: https://github.com/o/a',
        '  /foo:',
        '    repo: https://github.com/o/b',
      ),
    );
    expect(config.warnings.map(formatProblem)).toEqual([
      'vanity.yaml:4:3: paths./foo: differs from /Foo (line 2) only in letter case; rename one',
    ]);
  });

  it('refuses an element too long for the module cache to hold as a folder', () => {
    const problems = parseBad(
      yaml('paths:', `  /${'a'.repeat(201)}:`, '    repo: https://github.com/o/r'),
    );
    expect(problems[0]?.message).toMatch(/is longer than 200 characters$/);
  });

  it.each([
    'https://GitHub.com/org/mod',
    'http://github.com/org/mod',
    'https://github.com/ORG/Mod.git',
    'ssh://git@github.com/org/mod',
  ])('takes %s for the same repository as its parent', (repo) => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /mod:',
        '    repo: https://github.com/org/mod',
        '  /mod/x:',
        `    repo: ${repo}`,
      ),
    );
    expect(config.warnings.map((w) => w.key)).toEqual(['paths./mod/x']);
  });

  it("warns when a nested module names its parent's repository without a subdir", () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /mod:',
        '    repo: https://github.com/org/mod',
        '  /mod/sdk/metric:',
        '    repo: https://github.com/org/mod.git',
        '  /mod/other:',
        '    repo: https://github.com/org/other',
        '  /mod/ws:',
        '    repo: https://github.com/org/mod',
        '    subdir: ws',
      ),
    );
    expect(config.warnings.map(formatProblem)).toEqual([
      'vanity.yaml:4:3: paths./mod/sdk/metric: same repository as /mod, so the go command' +
        ' would look for tags without the "sdk/metric/" prefix; remove this entry (/mod' +
        ' answers for it) or set "subdir: sdk/metric" (read by Go 1.25 and newer)',
    ]);
  });

  it('counts the domain root as a parent', () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /:',
        '    repo: https://github.com/org/p',
        '  /x:',
        '    repo: https://github.com/org/p',
      ),
    );
    expect(config.warnings).toHaveLength(1);
    expect(config.warnings[0]?.key).toBe('paths./x');
  });
});

describe('keys that are object internals in JavaScript are data', () => {
  const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

  it.each(NAMES)('/%s is a valid module path', (name) => {
    const config = parseOk(yaml('paths:', `  /${name}:`, '    repo: https://github.com/org/x'));
    expect(config.modules).toEqual([
      expect.objectContaining({ path: `/${name}`, repo: 'https://github.com/org/x', vcs: 'git' }),
    ]);
  });

  it('keeps all of them apart as modules, and finds their duplicates', () => {
    const lines = ['paths:'];
    for (const name of NAMES) lines.push(`  /${name}:`, `    repo: https://github.com/org/${name}`);
    lines.push('  /__proto__/:', '    repo: https://github.com/org/again');
    const problems = parseBad(yaml(...lines));
    expectProblems(problems, [[12, 3, 'paths./__proto__/', /^same module path as line 2/]]);
  });

  it.each(NAMES)('%s is an unknown key at the top and in a module', (name) => {
    const problems = parseBad(
      yaml(
        `${name}: {repo: x}`,
        'paths:',
        '  /a:',
        '    repo: https://github.com/org/a',
        `    ${name}: 1`,
      ),
    );
    expectProblems(problems, [
      [1, 1, name, new RegExp(`^unknown key "${name}"; `)],
      [5, 5, `paths./a.${name}`, new RegExp(`^unknown key "${name}"; `)],
    ]);
  });

  it('does not take a repo from a __proto__ mapping, nor pollute Object.prototype', () => {
    const problems = parseBad(
      yaml('paths:', '  /a:', '    __proto__:', '      repo: https://github.com/o/a'),
    );
    expectProblems(problems, [
      [3, 5, 'paths./a.__proto__', /^unknown key "__proto__"/],
      [3, 5, 'paths./a', /^missing "repo"/],
    ]);
    expect(({} as Record<string, unknown>).repo).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('repo');
  });
});

describe('anchors and aliases', () => {
  it('shares a module mapping between two paths', () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /a: &shared',
        '    repo: https://gitlab.com/g/r',
        '    description: shared',
        '  /b: *shared',
      ),
    );
    expect(config.modules.map((m) => [m.path, m.repo, m.description, m.line])).toEqual([
      ['/a', 'https://gitlab.com/g/r', 'shared', 2],
      ['/b', 'https://gitlab.com/g/r', 'shared', 5],
    ]);
  });

  it('shares a scalar value', () => {
    const config = parseOk(
      yaml(
        'paths:',
        '  /a:',
        '    repo: &repo https://bitbucket.org/o/r',
        '  /b:',
        '    repo: *repo',
        '    subdir: b',
      ),
    );
    expect(config.modules.map((m) => [m.path, m.repo, m.vcs, m.subdir])).toEqual([
      ['/a', 'https://bitbucket.org/o/r', 'git', undefined],
      ['/b', 'https://bitbucket.org/o/r', 'git', 'b'],
    ]);
  });

  it('reports a problem in an aliased value where the anchor is', () => {
    const problems = parseBad(
      yaml('paths:', '  /a:', '    repo: &bad not-a-url', '  /b:', '    repo: *bad'),
    );
    expectProblems(problems, [
      [3, 16, 'paths./a.repo', /is not a URL/],
      [3, 16, 'paths./b.repo', /is not a URL/],
    ]);
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vanity-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file', async () => {
    const file = join(dir, 'good.yaml');
    await writeFile(file, `host: go.example.org\ncache_max_age: 60\n${oneModule()}`);
    const config = await loadConfigFile(file);
    expect(config).toEqual(
      expect.objectContaining({ file, host: 'go.example.org', cacheMaxAge: 60 }),
    );
    expect(config.modules.map((m) => m.path)).toEqual(['/a']);
  });

  it('throws a ConfigError naming a missing file', async () => {
    const file = join(dir, 'nope.yaml');
    const error = await loadConfigFile(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message).toBe(`${file}:1:1: no such file`);
    expect((error as ConfigError).problems).toEqual([
      { file, line: 1, column: 1, key: '', message: 'no such file' },
    ]);
  });

  it('names the line of a byte that is not UTF-8, and reads a UTF-8 BOM', async () => {
    const bad = join(dir, 'latin1.yaml');
    await writeFile(
      bad,
      Buffer.concat([
        Buffer.from(oneModule()),
        Buffer.from('    description: caf\xe9\n', 'latin1'),
      ]),
    );
    const error = await loadConfigFile(bad).catch((err: unknown) => err);
    expect((error as ConfigError).message).toBe(
      `${bad}:4:1: not valid UTF-8: save the file as UTF-8`,
    );

    const bom = join(dir, 'bom.yaml');
    await writeFile(bom, `\ufeffhost: go.example.org\n${oneModule()}`);
    expect((await loadConfigFile(bom)).host).toBe('go.example.org');
  });

  it('throws a ConfigError when the path is a directory', async () => {
    const sub = join(dir, 'a-directory');
    await mkdir(sub);
    await expect(loadConfigFile(sub)).rejects.toThrow(
      new RegExp(
        `^${sub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: cannot read it \\(EISDIR\\)$`,
      ),
    );
  });

  it('throws a ConfigError with every problem, one formatted line each', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, yaml('hots: x', 'paths:', '  a:', '    repo: https://github.com/o/a'));
    const error = await loadConfigFile(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => [p.file, p.line, p.column, p.key])).toEqual([
      [file, 1, 1, 'hots'],
      [file, 3, 3, 'paths.a'],
    ]);
    expect(message.split('\n')).toEqual([
      `${file}:1:1: hots: unknown key "hots"; did you mean "host"?`,
      `${file}:3:3: paths.a: module path must start with "/" (write "/a")`,
    ]);
  });

  it('throws a ConfigError for an empty file', async () => {
    const file = join(dir, 'empty.yaml');
    await writeFile(file, '');
    await expect(loadConfigFile(file)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadConfigFile(file)).rejects.toThrow(`${file}:1:1: the file is empty`);
  });
});
