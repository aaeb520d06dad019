// answer(): the protocol itself, over the cases in shared/cases and the rules.
import { describe, expect, it } from 'vitest';
import { Answerer } from '../src/answer.js';
import type { Answer } from '../src/answer.js';
import { links, metaTags, registryFrom } from './helpers.js';

const CASES = `
host: ex.com
cache_max_age: 3600
paths:
  /yarpc:
    repo: https://github.com/yarpc/yarpc-go
  /test:
    repo: https://github.com/u/test
  /thriftrw/:
    repo: https://github.com/thriftrw/thriftrw-go
  /a/b:
    repo: https://github.com/u/ab
  /zap:
    repo: https://github.com/uber-go/zap
  /ws:
    repo: https://github.com/x/ws
    subdir: mod
  /otel:
    repo: https://github.com/open-telemetry/opentelemetry-go
  /otel/sdk:
    repo: https://github.com/open-telemetry/opentelemetry-go-sdk
  /collector:
    repo: https://github.com/open-telemetry/opentelemetry-collector
  /collector-contrib:
    repo: https://github.com/open-telemetry/opentelemetry-collector-contrib
  /__proto__:
    repo: https://github.com/u/proto
  /hg:
    repo: https://hg.example.org/repo
    vcs: hg
`;

const answerer = new Answerer(registryFrom(CASES));
const get = (target: string, host?: string): Answer =>
  answerer.answer({ method: 'GET', target, host });
const html = (answer: Answer): string => answer.body.toString('utf8');
const goImport = (answer: Answer): string[] => metaTags(html(answer), 'go-import');

describe('go-get requests', () => {
  it.each([
    ['/yarpc?go-get=1', 'ex.com/yarpc git https://github.com/yarpc/yarpc-go'],
    ['/yarpc/transport?go-get=1', 'ex.com/yarpc git https://github.com/yarpc/yarpc-go'],
    ['/yarpc/a/b/c/d/e/f/g/h?go-get=1', 'ex.com/yarpc git https://github.com/yarpc/yarpc-go'],
    ['/test?go-get=1', 'ex.com/test git https://github.com/u/test'],
    ['/thriftrw?go-get=1', 'ex.com/thriftrw git https://github.com/thriftrw/thriftrw-go'],
    ['/thriftrw/?go-get=1', 'ex.com/thriftrw git https://github.com/thriftrw/thriftrw-go'],
    ['/a/b/c?go-get=1', 'ex.com/a/b git https://github.com/u/ab'],
    ['/ws?go-get=1', 'ex.com/ws git https://github.com/x/ws mod'],
    ['/ws/pkg?go-get=1', 'ex.com/ws git https://github.com/x/ws mod'],
    ['/otel/trace?go-get=1', 'ex.com/otel git https://github.com/open-telemetry/opentelemetry-go'],
    [
      '/otel/sdk/metric?go-get=1',
      'ex.com/otel/sdk git https://github.com/open-telemetry/opentelemetry-go-sdk',
    ],
    [
      '/collector-contrib/x?go-get=1',
      'ex.com/collector-contrib git https://github.com/open-telemetry/opentelemetry-collector-contrib',
    ],
    ['/__proto__/x?go-get=1', 'ex.com/__proto__ git https://github.com/u/proto'],
    ['/hg/x?go-get=1', 'ex.com/hg hg https://hg.example.org/repo'],
    ['/zap/v1.2+incompatible?go-get=1', 'ex.com/zap git https://github.com/uber-go/zap'],
  ])('%s answers 200 with the module tag', (target, tag) => {
    const answer = get(target);
    expect(answer.status).toBe(200);
    expect(answer.kind).toBe('go-get');
    expect(goImport(answer)).toEqual([tag]);
    expect(answer.headers['Location']).toBeUndefined();
  });

  it.each(['/a?go-get=1&go-get=1', '/a?utm=x&go-get=1', '/a?go-get=0&go-get=1', '/a?go-get=1#x'])(
    'finds go-get=1 anywhere in %s',
    (target) => {
      const answer = get(target.replace('/a', '/zap'));
      expect(answer.kind).toBe('go-get');
      expect(goImport(answer)).toEqual(['ex.com/zap git https://github.com/uber-go/zap']);
    },
  );

  it('starts the head with exactly one go-import and one go-source tag', () => {
    const page = html(get('/otel/trace?go-get=1'));
    const afterHead = page.slice(page.indexOf('<head>') + '<head>'.length).trimStart();
    expect(afterHead.startsWith('<meta name="go-import"')).toBe(true);
    const second = afterHead.slice(afterHead.indexOf('\n') + 1);
    expect(second.startsWith('<meta name="go-source"')).toBe(true);
    expect(metaTags(page, 'go-import')).toHaveLength(1);
    expect(metaTags(page, 'go-source')).toEqual([
      'ex.com/otel https://github.com/open-telemetry/opentelemetry-go ' +
        'https://github.com/open-telemetry/opentelemetry-go/tree/HEAD{/dir} ' +
        'https://github.com/open-telemetry/opentelemetry-go/blob/HEAD{/dir}/{file}#L{line}',
    ]);
  });

  it('sends the same page for the module and every path below it', () => {
    const module = get('/yarpc?go-get=1');
    expect(get('/yarpc/a/b?go-get=1').body.equals(module.body)).toBe(true);
    expect(get('/yarpc/?go-get=1&x=1').body.equals(module.body)).toBe(true);
  });

  it('has three fields without a subdir, and no placeholder or empty field', () => {
    const fields = goImport(get('/zap?go-get=1'))[0]?.split(/\s+/);
    expect(fields).toEqual(['ex.com/zap', 'git', 'https://github.com/uber-go/zap']);
  });

  it('is cached for cache_max_age and is HTML', () => {
    const answer = get('/zap?go-get=1');
    expect(answer.headers['Cache-Control']).toBe('public, max-age=3600');
    expect(answer.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['Content-Length']).toBe(String(answer.body.length));
  });
});

describe('misses', () => {
  it.each([
    '/otelx?go-get=1',
    '/collector-contribx/y?go-get=1',
    '/a?go-get=1',
    '/?go-get=1',
    '/nope?go-get=1',
    '/YARPC?go-get=1',
    '/Zap',
    '/yarpc%2Fx?go-get=1',
    '/yarpc/%41?go-get=1',
    '/yarpc/./x?go-get=1',
    '/yarpc/../x?go-get=1',
    '/yarpc//x?go-get=1',
    '/yarpc/x//?go-get=1',
    '//yarpc?go-get=1',
    '//?go-get=1',
    '/yarpc/.hidden?go-get=1',
    '/constructor?go-get=1',
    '/toString',
    '/hasOwnProperty/x?go-get=1',
    '/.well-known/vanity/nope',
    '/nope',
  ])('%s is 404 with no go-import tag', (target) => {
    const answer = get(target);
    expect(answer.status).toBe(404);
    expect(answer.kind).toBe('miss');
    expect(html(answer)).not.toContain('go-import');
    expect(answer.headers['Cache-Control']).toBe('public, max-age=300');
  });
});

describe('browsers', () => {
  it.each([
    ['/yarpc', 'https://pkg.go.dev/ex.com/yarpc'],
    ['/yarpc/transport/http', 'https://pkg.go.dev/ex.com/yarpc/transport/http'],
    ['/thriftrw/', 'https://pkg.go.dev/ex.com/thriftrw'],
    ['/otel/sdk/metric/', 'https://pkg.go.dev/ex.com/otel/sdk/metric'],
    ['/zap?tab=versions', 'https://pkg.go.dev/ex.com/zap?tab=versions'],
    ['/zap?go-get=0&a=b', 'https://pkg.go.dev/ex.com/zap?go-get=0&a=b'],
  ])('%s is redirected to %s', (target, location) => {
    const answer = get(target);
    expect(answer.status).toBe(302);
    expect(answer.kind).toBe('browser');
    expect(answer.headers['Location']).toBe(location);
    expect(answer.headers['Cache-Control']).toBe('public, max-age=3600');
    expect(links(html(answer))).toEqual([location]);
    expect(html(answer)).not.toContain('go-import');
  });

  it('encodes what it echoes from the query, in the Location and in the body', () => {
    const answer = get('/zap?q=<script>alert(1)</script>&x="y"');
    const location = answer.headers['Location'] ?? '';
    expect(location.startsWith('https://pkg.go.dev/ex.com/zap?')).toBe(true);
    expect(location).not.toMatch(/[<>"\s]/);
    expect(html(answer)).not.toContain('<script>');
    expect(html(answer)).toContain('%3Cscript%3E');
  });

  it('writes back bytes of a non-ASCII query as percent escapes', () => {
    const latin1 = Buffer.from('q=é', 'utf8').toString('latin1');
    const answer = get(`/zap?${latin1}`);
    expect(answer.headers['Location']).toBe('https://pkg.go.dev/ex.com/zap?q=%C3%A9');
  });
});

describe('the domain root', () => {
  it('lists every module on an index page without a go-import tag', () => {
    const answer = get('/');
    expect(answer.status).toBe(200);
    expect(answer.kind).toBe('index');
    expect(html(answer)).not.toContain('go-import');
    expect(html(answer)).toContain('https://pkg.go.dev/ex.com/otel/sdk');
    expect(html(answer)).toContain('https://github.com/uber-go/zap');
    expect(answer.headers['Cache-Control']).toBe('public, max-age=300');
  });

  it('is a module when "/" is configured, with no slash after the host', () => {
    const root = new Answerer(
      registryFrom('host: ex.com\npaths:\n  /:\n    repo: https://github.com/x/p\n'),
    );
    for (const target of ['/?go-get=1', '/sub?go-get=1', '/sub/deeper/?go-get=1']) {
      const answer = root.answer({ method: 'GET', target });
      expect(metaTags(html(answer), 'go-import')).toEqual(['ex.com git https://github.com/x/p']);
    }
    const browser = root.answer({ method: 'GET', target: '/' });
    expect(browser.headers['Location']).toBe('https://pkg.go.dev/ex.com');
    const sub = root.answer({ method: 'GET', target: '/sub/' });
    expect(sub.headers['Location']).toBe('https://pkg.go.dev/ex.com/sub');
  });
});

describe('methods', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'BREW'])(
    '%s gets 405 with Allow on module and unknown paths alike',
    (method) => {
      for (const target of ['/zap?go-get=1', '/nope', '/']) {
        const answer = answerer.answer({ method, target });
        expect(answer.status).toBe(405);
        expect(answer.headers['Allow']).toBe('GET, HEAD');
      }
    },
  );

  it('answers HEAD with the same status and headers as GET', () => {
    for (const target of ['/zap', '/zap?go-get=1', '/nope']) {
      const head = answerer.answer({ method: 'HEAD', target });
      expect(head.status).toBe(get(target).status);
      expect(head.headers).toEqual(get(target).headers);
    }
  });
});

describe('hosts', () => {
  it('never uses the Host header when host is configured', () => {
    const answer = get('/zap?go-get=1', 'evil.example:8080');
    expect(goImport(answer)).toEqual(['ex.com/zap git https://github.com/uber-go/zap']);
  });

  it('accepts an absolute-form target', () => {
    const answer = get('http://ex.com/zap/x?go-get=1');
    expect(goImport(answer)).toEqual(['ex.com/zap git https://github.com/uber-go/zap']);
    expect(get('http://ex.com?go-get=1').status).toBe(404);
    expect(get('http://ex.com').kind).toBe('index');
  });

  describe('without a configured host', () => {
    const open = new Answerer(
      registryFrom('paths:\n  /zap:\n    repo: https://github.com/u/zap\n'),
    );
    const ask = (target: string, host?: string) => open.answer({ method: 'GET', target, host });

    it.each([
      ['go.example.org', 'go.example.org/zap git https://github.com/u/zap'],
      ['Go.Example.ORG:8443', 'go.example.org/zap git https://github.com/u/zap'],
      ['go.example.org.', 'go.example.org/zap git https://github.com/u/zap'],
    ])('takes the domain from Host %s', (host, tag) => {
      expect(metaTags(html(ask('/zap/x?go-get=1', host)), 'go-import')).toEqual([tag]);
    });

    it('tells caches that the page depends on the Host', () => {
      expect(ask('/zap?go-get=1', 'go.example.org').headers['Vary']).toBe('Host');
      expect(get('/zap?go-get=1').headers['Vary']).toBeUndefined();
    });

    it('answers health checks that name no domain', () => {
      expect(ask('/.well-known/vanity/health').status).toBe(200);
      expect(ask('/.well-known/vanity/health', '127.0.0.1:8080').status).toBe(200);
    });

    it('takes the domain from an absolute-form target before the Host header', () => {
      const answer = ask('http://go.example.org/zap?go-get=1', 'other.example.org');
      expect(metaTags(html(answer), 'go-import')[0]).toMatch(/^go\.example\.org\/zap /);
    });

    it.each([undefined, '', 'localhost', 'a b.com', '<x>.com', '[::1]:80', '127.0.0.1'])(
      'answers 400 to Host %s',
      (host) => {
        const answer = ask('/zap?go-get=1', host);
        expect(answer.status).toBe(400);
        expect(html(answer)).not.toContain('go-import');
      },
    );
  });

  it('answers 400 to a target that is not a path', () => {
    expect(get('*').status).toBe(400);
    expect(get('zap').status).toBe(400);
  });
});

describe('health', () => {
  it('reports ok and the module count, never cached', () => {
    const answer = get('/.well-known/vanity/health');
    expect(answer.status).toBe(200);
    expect(JSON.parse(html(answer))).toEqual({ status: 'ok', modules: 12 });
    expect(answer.headers['Cache-Control']).toBe('no-store');
  });
});
