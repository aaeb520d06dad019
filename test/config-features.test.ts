// The config keys beyond govanityurls': docs, docs_url, branch, hidden and wildcard paths.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import type { Config } from '../src/config.js';
import { formatProblem } from '../src/problems.js';

const FILE = 'vanity.yaml';

function parseOk(text: string): Config {
  const result = parseConfig(text, FILE);
  if (!result.ok) expect.fail(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

/** Every problem as `line:col: key: message`. */
function problems(text: string): string[] {
  const result = parseConfig(text, FILE);
  if (result.ok) expect.fail('expected problems, got a valid config');
  return result.problems.map((p) => `${p.line}:${p.column}: ${p.key}: ${p.message}`);
}

function withModule(...lines: string[]): string {
  return ['paths:', '  /a:', '    repo: https://github.com/u/a', ...lines, ''].join('\n');
}

describe('docs', () => {
  it('defaults to pkg.go.dev', () => {
    expect(parseOk(withModule()).docs).toBe('https://pkg.go.dev/');
  });

  it.each([
    ['https://pkgsite.example.org', 'https://pkgsite.example.org/'],
    ['https://example.org/docs/', 'https://example.org/docs/'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/'],
  ])('takes %s as the base %s', (value, base) => {
    expect(parseOk(`docs: ${value}\n${withModule()}`).docs).toBe(base);
  });

  it.each([
    ['ftp://example.org/', /write an https:\/\/ URL, not ftp:/],
    ['https://example.org/?q=1', /remove the query or fragment/],
    ['https://example.org/#top', /remove the query or fragment/],
    ['pkg.go.dev', /is not a URL; write one such as https:\/\/pkg.go.dev\//],
  ])('refuses docs: %s', (value, message) => {
    const [problem] = problems(`docs: ${value}\n${withModule()}`);
    expect(problem).toMatch(/^1:7: docs: /);
    expect(problem).toMatch(message);
  });
});

describe('docs_url', () => {
  it('keeps a module docs page without a trailing slash', () => {
    const config = parseOk(withModule('    docs_url: https://docs.example.org/a/'));
    expect(config.modules[0]?.docsUrl).toBe('https://docs.example.org/a');
  });

  it('refuses a query, and a "*" outside a wildcard', () => {
    expect(problems(withModule('    docs_url: https://docs.example.org/a?x=1'))).toEqual([
      '4:15: paths./a.docs_url: remove the query or fragment: import paths are appended',
    ]);
    expect(problems(withModule('    docs_url: https://docs.example.org/*'))).toEqual([
      '4:15: paths./a.docs_url: a "*" in docs_url needs a wildcard path',
    ]);
  });
});

describe('branch', () => {
  it('names the branch in inferred GitHub links instead of HEAD', () => {
    const config = parseOk(withModule('    branch: release/v1'));
    expect(config.modules[0]?.display).toBe(
      'https://github.com/u/a https://github.com/u/a/tree/release/v1{/dir} ' +
        'https://github.com/u/a/blob/release/v1{/dir}/{file}#L{line}',
    );
  });

  it('gives Codeberg modules source links, which need a branch, with no warning', () => {
    const text = 'paths:\n  /c:\n    repo: https://codeberg.org/u/c\n    branch: main\n';
    const config = parseOk(text);
    expect(config.modules[0]?.display).toBe(
      'https://codeberg.org/u/c https://codeberg.org/u/c/src/branch/main{/dir} ' +
        'https://codeberg.org/u/c/src/branch/main{/dir}/{file}#L{line}',
    );
    expect(config.warnings).toEqual([]);
  });

  it('goes after the subdir, as HEAD does', () => {
    const config = parseOk(withModule('    branch: main', '    subdir: go'));
    expect(config.modules[0]?.display).toContain('/tree/main/go{/dir}');
  });

  it('refuses a branch beside display, and names that are not branch names', () => {
    const display =
      "    display: 'https://x.org/a https://x.org/a{/dir} https://x.org/a{/dir}/{file}'";
    expect(problems(withModule('    branch: main', display))).toEqual([
      '4:13: paths./a.branch: branch only shapes inferred source links; remove it or display',
    ]);
    for (const bad of ['"a b"', '-x', 'a..b', "'a\"b'", 'main/', 'x.lock', 'ü']) {
      expect(problems(withModule(`    branch: ${bad}`))[0]).toMatch(
        /^4:1[34]: paths\.\/a\.branch: .* is not a branch name this server links to \(.*\); such/,
      );
    }
  });
});

describe('hidden', () => {
  it('is false unless set to true', () => {
    expect(parseOk(withModule()).modules[0]?.hidden).toBeUndefined();
    expect(parseOk(withModule('    hidden: false')).modules[0]?.hidden).toBeUndefined();
    expect(parseOk(withModule('    hidden: true')).modules[0]?.hidden).toBe(true);
  });

  it.each(['yes', '"true"', '1'])('refuses hidden: %s', (value) => {
    expect(problems(withModule(`    hidden: ${value}`))).toEqual([
      expect.stringMatching(
        /^4:1[34]: paths\.\/a\.hidden: expected true or false, without quotes$/,
      ),
    ]);
  });
});

describe('wildcard paths', () => {
  it('reads /* and /org/* as wildcards, apart from the modules', () => {
    const config = parseOk(
      [
        'paths:',
        '  /*:',
        '    repo: https://github.com/org/*',
        '    description: every repo',
        '  /x/*:',
        '    repo: https://git.example.org/x/*.git',
        '    docs_url: https://docs.example.org/*',
        '  /otel:',
        '    repo: https://github.com/org/opentelemetry-go',
        '',
      ].join('\n'),
    );
    expect(config.modules.map((module) => module.path)).toEqual(['/otel']);
    expect(config.wildcards).toEqual([
      expect.objectContaining({ pattern: '/*', prefix: '/', repo: 'https://github.com/org/*' }),
      expect.objectContaining({
        pattern: '/x/*',
        prefix: '/x',
        vcs: 'git',
        docsUrl: 'https://docs.example.org/*',
      }),
    ]);
  });

  it('needs exactly one "*" in a wildcard repo, and none in a module repo', () => {
    expect(problems('paths:\n  /*:\n    repo: https://github.com/org/x\n')).toEqual([
      '3:11: paths./*.repo: a wildcard path needs one "*" in repo for the module name, ' +
        'such as https://github.com/ORG/*',
    ]);
    expect(problems('paths:\n  /*:\n    repo: https://github.com/*/*\n')[0]).toMatch(
      /needs one "\*" in repo/,
    );
    expect(problems('paths:\n  /a:\n    repo: https://github.com/org/*\n')).toEqual([
      '3:11: paths./a.repo: a "*" in repo needs a wildcard path such as "/*"; ' +
        'or write the repo name',
    ]);
  });

  it('refuses the same wildcard twice and a bad prefix', () => {
    const twice =
      'paths:\n  /*:\n    repo: https://github.com/o/*\n  /*:\n    repo: https://github.com/p/*\n';
    expect(problems(twice)).toEqual([
      '4:3: paths./*: same module path as line 2; keep one of them',
    ]);
    expect(problems('paths:\n  /.x/*:\n    repo: https://github.com/o/*\n')[0]).toMatch(
      /^2:3: paths\.\/\.x\/\*: element "\.x" starts with a dot$/,
    );
  });

  it('refuses a "*" in the host of repo, which would let a request name any server', () => {
    expect(problems('paths:\n  /h/*:\n    repo: https://*.example.org/x\n    vcs: git\n')).toEqual([
      '3:11: paths./h/*.repo: put the "*" in the path of repo, never in its host, ' +
        'such as https://github.com/ORG/*',
    ]);
  });

  it('takes "/org/*/" as "/org/*", and refuses a "*" anywhere else', () => {
    const config = parseOk('paths:\n  /j/*/:\n    repo: https://github.com/j/*\n');
    expect(config.wildcards?.map((wildcard) => wildcard.pattern)).toEqual(['/j/*']);
    for (const key of ['/*/*', '/a*/*', '/*/x']) {
      expect(problems(`paths:\n  ${key}:\n    repo: https://github.com/j/*\n`)[0]).toMatch(
        /a "\*" may only be the last element, as in "\/\*" or "\/org\/\*"$/,
      );
    }
  });

  it('says an empty value is empty', () => {
    expect(problems(withModule('    branch: ""'))).toEqual([
      expect.stringMatching(/paths\.\/a\.branch: empty text: write a value, or remove the key$/),
    ]);
  });

  it('warns of a module nested in one a wildcard makes, with the same repository', () => {
    const text =
      'paths:\n  /*:\n    repo: https://github.com/org/*\n' +
      '  /otel/sdk:\n    repo: https://github.com/org/otel\n' +
      '  /zap/x:\n    repo: https://github.com/org/zap\n    subdir: x\n';
    const warnings = parseOk(text).warnings.map((w) => `${w.line}: ${w.key}: ${w.message}`);
    expect(warnings).toEqual([
      expect.stringMatching(/^4: paths\.\/otel\/sdk: same repository as \/otel, so the go/),
    ]);
  });

  it('asks for a vcs when the host does not tell it, as for a module', () => {
    expect(problems('paths:\n  /*:\n    repo: https://hg.example.org/*\n')).toEqual([
      '3:11: paths./*.vcs: cannot tell the VCS of hg.example.org; ' +
        'add "vcs:" (git, hg, svn, fossil, bzr, mod)',
    ]);
  });
});
