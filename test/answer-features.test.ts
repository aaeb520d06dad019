// answer() for wildcards, docs sites, hidden modules, the JSON index, directory pages
// and git's clone discovery request.
import { describe, expect, it } from 'vitest';
import { Answerer, INDEX_JSON_PATH } from '../src/answer.js';
import type { VanityRequest } from '../src/answer.js';
import { BoundedCache } from '../src/bounded-cache.js';
import { indexForm } from '../src/clone-and-accept.js';
import { FOLDERS, links, metaTags, registryFrom } from './helpers.js';

const WILDCARDS = `host: go.example.org
paths:
  /*:
    repo: https://github.com/org/*
  /x/*:
    repo: https://git.example.org/x/*.git
    docs_url: https://docs.example.org/x/*
  /otel:
    repo: https://github.com/org/opentelemetry-go
  /a/b:
    repo: https://github.com/org/ab
`;

function ask(yaml: string, target: string, extra: Partial<VanityRequest> = {}) {
  return new Answerer(registryFrom(yaml)).answer({ method: 'GET', target, ...extra });
}

const goImport = (yaml: string, target: string) =>
  metaTags(ask(yaml, target).body.toString(), 'go-import');

describe('wildcards', () => {
  it('serve any first element as a repository of that name', () => {
    expect(goImport(WILDCARDS, '/zap/zapcore?go-get=1')).toEqual([
      'go.example.org/zap git https://github.com/org/zap',
    ]);
    expect(metaTags(ask(WILDCARDS, '/zap?go-get=1').body.toString(), 'go-source')).toEqual([
      'go.example.org/zap https://github.com/org/zap ' +
        'https://github.com/org/zap/tree/HEAD{/dir} ' +
        'https://github.com/org/zap/blob/HEAD{/dir}/{file}#L{line}',
    ]);
  });

  it('yield to explicit paths, and the longest module path wins', () => {
    expect(goImport(WILDCARDS, '/otel/sdk?go-get=1')).toEqual([
      'go.example.org/otel git https://github.com/org/opentelemetry-go',
    ]);
    expect(goImport(WILDCARDS, '/a/b/c?go-get=1')).toEqual([
      'go.example.org/a/b git https://github.com/org/ab',
    ]);
    // /a/c is below no module, so the root wildcard names the module /a.
    expect(goImport(WILDCARDS, '/a/c?go-get=1')).toEqual([
      'go.example.org/a git https://github.com/org/a',
    ]);
    expect(goImport(WILDCARDS, '/x/tool/cmd?go-get=1')).toEqual([
      'go.example.org/x/tool git https://git.example.org/x/tool.git',
    ]);
  });

  it('name the pattern as the module, so that logs and metrics keep few names', () => {
    expect(ask(WILDCARDS, '/zap?go-get=1').module).toBe('/*');
    expect(ask(WILDCARDS, '/x/tool').module).toBe('/x/*');
    expect(ask(WILDCARDS, '/otel?go-get=1').module).toBe('/otel');
  });

  it('send browsers to the docs of the module asked for, docs_url filled in', () => {
    expect(ask(WILDCARDS, '/zap/zapcore?tab=doc').headers['Location']).toBe(
      'https://pkg.go.dev/go.example.org/zap/zapcore?tab=doc',
    );
    expect(ask(WILDCARDS, '/x/tool/cmd').headers['Location']).toBe(
      'https://docs.example.org/x/tool/cmd',
    );
  });

  it('leave the folder of a deeper wildcard to it, never making it a module', () => {
    const yaml = WILDCARDS + '  /x/lint:\n    repo: https://github.com/org/x-lint\n';
    expect(ask(yaml, '/x?go-get=1').status).toBe(404);
    expect(ask(yaml, '/x').kind).toBe('directory');
    expect(ask(WILDCARDS, '/x').status).toBe(404);
  });

  it('answer nothing for an element that cannot be in a module path', () => {
    const yaml = 'host: go.example.org\npaths:\n  /x/*:\n    repo: https://github.com/x/*\n';
    // "+" may be in an import path but never in a module path.
    expect(ask(yaml, '/x/a+b?go-get=1').status).toBe(404);
    expect(ask(yaml, '/x/.hidden?go-get=1').status).toBe(404);
    expect(ask(yaml, '/x?go-get=1').status).toBe(404);
    expect(ask(yaml, '/x/ok?go-get=1').status).toBe(200);
    // Major version suffixes the go command refuses are never made into modules.
    for (const element of ['v0', 'v1', 'v2.0', 'v02']) {
      expect(ask(yaml, `/x/${element}?go-get=1`).status).toBe(404);
    }
    expect(ask(yaml, '/x/v2?go-get=1').status).toBe(200);
  });

  it('keep the same answer for the same module, and a bounded number of them', () => {
    const answerer = new Answerer(registryFrom(WILDCARDS));
    const first = answerer.answer({ method: 'GET', target: '/zap?go-get=1' });
    expect(answerer.answer({ method: 'GET', target: '/zap/a?go-get=1' })).toBe(first);

    const cache = new BoundedCache<number, number>(3);
    for (let i = 0; i < 10; i++) cache.get(i, () => i * 2);
    expect(cache.size).toBe(3);
    expect(cache.get(9, () => -1)).toBe(18);
    expect(cache.get(0, () => -1)).toBe(-1);
  });

  it('work without a configured host too, per Host header', () => {
    const yaml = WILDCARDS.replace('host: go.example.org\n', '');
    const answer = ask(yaml, '/zap?go-get=1', { host: 'go.other.org' });
    expect(metaTags(answer.body.toString(), 'go-import')).toEqual([
      'go.other.org/zap git https://github.com/org/zap',
    ]);
    expect(answer.headers['Vary']).toBe('Host');
  });
});

describe('answers kept for speed', () => {
  it('keep one miss, and each docs redirect by host, path and query', () => {
    const answerer = new Answerer(registryFrom(FOLDERS));
    const get = (target: string) => answerer.answer({ method: 'GET', target });
    expect(get('/nope')).toBe(get('/other/nope'));
    expect(get('/svc/a?x=1')).toBe(get('/svc/a?x=1'));
    expect(get('/svc/a?x=2').headers['Location']).toBe('https://docs.example.org/svc/a?x=2');
    expect(get('/svc/a?x=1').headers['Location']).toBe('https://docs.example.org/svc/a?x=1');
    expect(Object.isFrozen(get('/svc/a').headers)).toBe(true);
  });

  it('never keep a redirect for a long target, which would hold kilobytes', () => {
    const answerer = new Answerer(registryFrom(FOLDERS));
    const target = `/svc/a?q=${'x'.repeat(300)}`;
    const first = answerer.answer({ method: 'GET', target });
    expect(answerer.answer({ method: 'GET', target })).not.toBe(first);
    expect(answerer.answer({ method: 'GET', target })).toEqual(first);
  });

  it('keep redirects per Host when the host comes from the request', () => {
    const answerer = new Answerer(registryFrom(FOLDERS.replace('host: go.example.org\n', '')));
    const get = (host: string) => answerer.answer({ method: 'GET', target: '/tools/lint', host });
    expect(get('a.example.org').headers['Location']).toBe(
      'https://pkgsite.example.org/a.example.org/tools/lint',
    );
    expect(get('b.example.org').headers['Location']).toBe(
      'https://pkgsite.example.org/b.example.org/tools/lint',
    );
  });
});

describe('docs sites', () => {
  it('send browsers to the docs base with the import path', () => {
    expect(ask(FOLDERS, '/tools/lint/sub?x=1').headers['Location']).toBe(
      'https://pkgsite.example.org/go.example.org/tools/lint/sub?x=1',
    );
  });

  it('send browsers to a docs_url, with the path below the module appended', () => {
    expect(ask(FOLDERS, '/svc').headers['Location']).toBe('https://docs.example.org/svc');
    expect(ask(FOLDERS, '/svc/api/v1').headers['Location']).toBe(
      'https://docs.example.org/svc/api/v1',
    );
  });

  it('link the module page to the same docs', () => {
    const page = ask(FOLDERS, '/svc?go-get=1').body.toString();
    expect(links(page)).toContain('https://docs.example.org/svc');
    expect(page).toContain('<code>go get go.example.org/svc</code>');
  });

  it('send a root module with a docs_url to it, with the whole path appended', () => {
    const yaml =
      'host: r.org\npaths:\n  /:\n    repo: https://github.com/o/r\n' +
      '    docs_url: https://docs.r.org\n';
    expect(ask(yaml, '/').headers['Location']).toBe('https://docs.r.org');
    expect(ask(yaml, '/a/b').headers['Location']).toBe('https://docs.r.org/a/b');
  });
});

describe('the index', () => {
  it('lists each listed module with its docs link and a go get line, never a hidden one', () => {
    const html = ask(FOLDERS, '/').body.toString();
    expect(html).toContain('<code class="get">go get go.example.org/tools/lint</code>');
    expect(links(html)).toContain('https://pkgsite.example.org/go.example.org/tools/lint');
    expect(links(html)).toContain('https://docs.example.org/svc');
    expect(html).not.toContain('secret');
    expect(links(html)).toContain(INDEX_JSON_PATH);
  });

  it('is JSON at its own path, for tools', () => {
    const answer = ask(FOLDERS, INDEX_JSON_PATH);
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['Vary']).toBe('Accept-Encoding');
    const json = JSON.parse(answer.body.toString()) as {
      host: string;
      modules: Record<string, unknown>[];
      wildcards: unknown[];
    };
    expect(json.host).toBe('go.example.org');
    expect(json.modules.map((module) => module['path'])).toEqual([
      '/hgmod',
      '/svc',
      '/tools/deep/gen',
      '/tools/fmt',
      '/tools/lint',
    ]);
    expect(json.modules[1]).toEqual({
      path: '/svc',
      import_path: 'go.example.org/svc',
      vcs: 'git',
      repo: 'https://git.example.org/svc.git',
      docs_url: 'https://docs.example.org/svc',
      go_get: 'go get go.example.org/svc',
    });
    expect(json.wildcards).toEqual([]);
  });

  it('lists wildcards as patterns, in both forms', () => {
    const json = JSON.parse(ask(WILDCARDS, INDEX_JSON_PATH).body.toString()) as {
      wildcards: unknown[];
    };
    expect(json.wildcards).toEqual([
      { path: '/*', import_path: 'go.example.org/*', vcs: 'git', repo: 'https://github.com/org/*' },
      {
        path: '/x/*',
        import_path: 'go.example.org/x/*',
        vcs: 'git',
        repo: 'https://git.example.org/x/*.git',
      },
    ]);
    expect(ask(WILDCARDS, '/').body.toString()).toContain('<code>go.example.org/*</code>');
  });

  it('is JSON at / when Accept prefers it, and says that it varies on Accept', () => {
    const json = ask(FOLDERS, '/', { accept: 'application/json' });
    expect(json.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(json.headers['Vary']).toBe('Accept, Accept-Encoding');
    const html = ask(FOLDERS, '/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(html.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(html.headers['Vary']).toBe('Accept, Accept-Encoding');
    expect(json.headers['ETag']).not.toBe(html.headers['ETag']);
  });

  it.each([
    [undefined, 'html'],
    ['*/*', 'html'],
    ['application/json', 'json'],
    ['application/json, text/plain, */*', 'json'],
    ['text/html, application/json;q=0.9', 'html'],
    ['application/json;q=0', 'html'],
    ['application/json;q=0.5, */*;q=0.1', 'json'],
    ['application/json;q=x', 'html'],
    ['APPLICATION/JSON', 'json'],
    ['application/*', 'json'],
    ['application/xhtml+xml, text/html;q=0.9', 'html'],
  ])('Accept %s gives %s', (accept, form) => {
    expect(indexForm(accept)).toBe(form);
  });
});

describe('directory pages', () => {
  it('list the modules below a folder that is no module', () => {
    for (const target of ['/tools', '/tools/']) {
      const answer = ask(FOLDERS, target);
      expect(answer.status).toBe(200);
      expect(answer.kind).toBe('directory');
      expect(answer.headers['Cache-Control']).toBe('public, max-age=300');
      const html = answer.body.toString();
      expect(html).toContain('go get go.example.org/tools/lint');
      expect(html).toContain('go get go.example.org/tools/deep/gen');
      expect(metaTags(html, 'go-import')).toEqual([]);
    }
    expect(ask(FOLDERS, '/tools/deep').body.toString()).toContain('go.example.org/tools/deep/gen');
  });

  it('are 404 for the go command, for hidden modules only, and for near names', () => {
    expect(ask(FOLDERS, '/tools?go-get=1').status).toBe(404);
    expect(ask(FOLDERS, '/secret').status).toBe(404);
    expect(ask(FOLDERS, '/tool').status).toBe(404);
    expect(ask(FOLDERS, '/tools/nope').status).toBe(404);
  });

  it('still serve hidden modules to the go command', () => {
    expect(goImport(FOLDERS, '/secret/x?go-get=1')).toEqual([
      'go.example.org/secret/x git https://github.com/example/secret',
    ]);
  });
});

describe("git's clone discovery request", () => {
  it('belongs to the module of the path before /info/refs, never to a made one', () => {
    const yaml =
      'host: go.example.org\npaths:\n  /:\n    repo: https://github.com/org/root\n' +
      '  /*:\n    repo: https://github.com/org/*\n  /tools/*:\n    repo: https://github.com/t/*\n';
    expect(ask(yaml, '/info/refs?service=git-upload-pack').headers['Location']).toBe(
      'https://github.com/org/root/info/refs?service=git-upload-pack',
    );
    expect(ask(yaml, '/zap/info/refs?service=git-upload-pack').headers['Location']).toBe(
      'https://github.com/org/zap/info/refs?service=git-upload-pack',
    );
    const noRoot = yaml.replace('  /:\n    repo: https://github.com/org/root\n', '');
    expect(ask(noRoot, '/info/refs?service=git-upload-pack').status).toBe(404);
    expect(ask(noRoot, '/tools/info/refs?service=git-upload-pack').status).toBe(404);
  });

  const discovery = '/info/refs?service=git-upload-pack';

  it('is sent to the repository of a git module, from any path below it', () => {
    for (const path of ['/svc', '/svc/api/v1']) {
      const answer = ask(FOLDERS, `${path}${discovery}`);
      expect(answer.status).toBe(302);
      expect(answer.kind).toBe('clone');
      expect(answer.headers['Location']).toBe(
        'https://git.example.org/svc.git/info/refs?service=git-upload-pack',
      );
    }
    expect(ask(WILDCARDS, `/zap${discovery}`).headers['Location']).toBe(
      'https://github.com/org/zap/info/refs?service=git-upload-pack',
    );
  });

  it('is a 404 naming the clone command for another VCS, and for a push', () => {
    const hg = ask(FOLDERS, `/hgmod${discovery}`);
    expect(hg.status).toBe(404);
    expect(hg.body.toString()).toBe(
      'Clone the repository itself: hg clone https://hg.example.org/hgmod\n',
    );
    const push = ask(FOLDERS, '/svc/info/refs?service=git-receive-pack');
    expect(push.status).toBe(404);
    expect(push.body.toString()).toContain('push to it directly: https://git.example.org/svc.git');
  });

  it('leaves other requests under info/refs to the docs redirect', () => {
    expect(ask(FOLDERS, '/svc/info/refs').status).toBe(302);
    expect(ask(FOLDERS, '/svc/info/refs').kind).toBe('browser');
    expect(ask(FOLDERS, '/svc/info/refs?service=other').kind).toBe('browser');
    expect(ask(FOLDERS, '/nope/info/refs?service=git-upload-pack').status).toBe(404);
  });
});
