// --templates DIR: each file replaces one default template; bad ones stop the start, named.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Answerer, INDEX_JSON_PATH } from '../src/answer.js';
import type { VanityRequest } from '../src/answer.js';
import { createApp, prepareHandling } from '../src/app.js';
import { withFastPath } from '../src/fast-path.js';
import { listen } from '../src/serve.js';
import { Renderer, TEMPLATE_NAMES } from '../src/render.js';
import { metaTags, NESTED, registryFrom } from './helpers.js';
import { runCli } from './process.js';

const root = mkdtempSync(join(tmpdir(), 'vanity-templates-'));
let dir: string;
let count = 0;

beforeEach(() => {
  count += 1;
  dir = join(root, `t${count}`);
  mkdirSync(dir);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function answer(renderer: Renderer, target: string) {
  return new Answerer(registryFrom(NESTED), renderer).answer({ method: 'GET', target });
}

const run = (args: string[]) => runCli(args, root);

describe('a templates folder', () => {
  it('replaces only the templates it holds', () => {
    write('index.hbs', '<html><head></head><body>{{#each modules}}[{{goGet}}]{{/each}}</body>');
    const renderer = new Renderer(dir);
    expect(answer(renderer, '/').body.toString()).toBe(
      '<html><head></head><body>[go get go.example.org/otel][go get go.example.org/otel-ext]' +
        '[go get go.example.org/otel/sdk][go get go.example.org/otel/x]</body>',
    );
    const defaults = new Renderer();
    expect(answer(renderer, '/nope').body).toEqual(answer(defaults, '/nope').body);
    expect(answer(renderer, '/otel?go-get=1').body).toEqual(
      answer(defaults, '/otel?go-get=1').body,
    );
  });

  it('gets our tags first in its head, past comments and quoted ">"', () => {
    write(
      'module.hbs',
      '<!DOCTYPE html><!-- a <head> in a comment --><html><HEAD data-x=">" lang="en">' +
        '<title>{{importPath}}</title></head><body>{{description}}</body></html>',
    );
    const html = answer(new Renderer(dir), '/otel/sdk/trace?go-get=1').body.toString();
    const head = '<!DOCTYPE html><!-- a <head> in a comment --><html><HEAD data-x=">" lang="en">';
    expect(html.startsWith(`${head}\n<meta name="go-import"`)).toBe(true);
    expect(metaTags(html, 'go-import')).toEqual([
      'go.example.org/otel/sdk git https://github.com/example/otel-sdk',
    ]);
    expect(metaTags(html, 'go-source')).toHaveLength(1);
  });

  it('reads past CDATA and "<head>" inside an attribute value, as the go command does', () => {
    write('module.hbs', '<html lang="<head>"><![CDATA[<head>]]><head data-a="b"></head>');
    const html = answer(new Renderer(dir), '/otel?go-get=1').body.toString();
    expect(html).toMatch(/^<html lang="<head>"><!\[CDATA\[<head>\]\]><head data-a="b">\n<meta /);
  });

  it('may not write its own go-import or go-source tag', () => {
    const file = write(
      'module.hbs',
      '<head><meta name="go-import" content="{{importPath}} git x">',
    );
    expect(() => new Renderer(dir)).toThrow(
      `template ${file}: remove its own go-import tag: ours comes first in the head, ` +
        'and the go command refuses a page with two',
    );
  });

  it('escapes what it is given, as the defaults do', () => {
    write('redirect.hbs', '<p>{{location}}</p>');
    const body = answer(new Renderer(dir), '/otel/x?a=<b>').body.toString();
    // Handlebars escapes "=" too; the browser reads the same URL.
    expect(body).toBe('<p>https://pkg.go.dev/go.example.org/otel/x?a&#x3D;%3Cb%3E</p>');
  });

  it.each([
    [
      'a file that is not a template name',
      'modul.hbs',
      'hi',
      /not a template this server uses; did you mean module\.hbs\?$/,
    ],
    [
      'a broken template',
      'index.hbs',
      '{{#each modules}}',
      /Parse error on line 1: Expecting .*got 'EOF'$/,
    ],
    [
      'a module page with no head',
      'module.hbs',
      '<p>{{importPath}}</p>',
      /needs a <head> tag outside comments and before any <body>, where/,
    ],
    ['a head only in a comment', 'module.hbs', '<!-- <head> -->', /needs a <head> tag outside/],
    ['a head after the body', 'module.hbs', '<body></body><head>', /needs a <head> tag outside/],
    ['a head that closes itself', 'module.hbs', '<html><head/><title>t</title>', /needs a <head>/],
    [
      'its own go-import tag, written with a character reference',
      'module.hbs',
      '<head><meta name="go&#45;import" content="x git y">',
      /remove its own go-import tag/,
    ],
    [
      'a list that fails past its first entry',
      'index.hbs',
      '{{#each modules}}{{#unless @first}}{{> nope}}{{/unless}}{{/each}}',
      /The partial nope could not be found$/,
    ],
    [
      'a block that fails for some modules',
      'module.hbs',
      '<head>{{#if description}}{{#each}}{{/each}}{{/if}}',
      /Must pass iterator to #each$/,
    ],
  ])('refuses %s, naming the file', (_, name, text, message) => {
    const file = write(name, text);
    expect(() => new Renderer(dir)).toThrow(`template ${file}: `);
    expect(() => new Renderer(dir)).toThrow(message);
  });

  it('is refused when it cannot be read', () => {
    expect(() => new Renderer(join(dir, 'missing'))).toThrow(
      `templates ${join(dir, 'missing')}: cannot read the folder (ENOENT)`,
    );
  });

  it('may hold files that are not .hbs, such as a README', () => {
    write('README.md', 'notes');
    expect(() => new Renderer(dir)).not.toThrow();
  });

  it('knows every default template by name', () => {
    expect(TEMPLATE_NAMES).toEqual(['module', 'redirect', 'index', 'directory', 'not-found']);
  });
});

describe('a page that fails to render while serving', () => {
  it('gets a 500 from the fast path, and the server stays up', async () => {
    let fail = true;
    const answerer = new Answerer(registryFrom(NESTED));
    const source = () => ({
      answer: (request: VanityRequest) => {
        if (fail) throw new Error('Must pass iterator to #each');
        return answerer.answer(request);
      },
    });
    const handler = withFastPath(createApp(source), prepareHandling(source, {}));
    const server = await listen(handler, { port: 0, host: '127.0.0.1' });
    try {
      expect((await fetch(`${server.url}/otel?go-get=1`)).status).toBe(500);
      fail = false;
      expect((await fetch(`${server.url}/otel?go-get=1`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a template that fails only on the modules of a config', () => {
  // No sample has six modules; this config does.
  const sixth = '<html><head></head>{{#with (lookup modules 5)}}{{> nope}}{{/with}}</html>';
  const six = ['a', 'b', 'c', 'd', 'e', 'f']
    .map((name) => `  /${name}:\n    repo: https://github.com/u/${name}\n`)
    .join('');

  it('fails the start with the file named when the host is set', () => {
    const file = write('index.hbs', sixth);
    const registry = registryFrom(`host: go.example.org\npaths:\n${six}`);
    expect(() => new Answerer(registry, new Renderer(dir))).toThrow(
      `template ${file}: The partial nope could not be found`,
    );
  });

  it('is a 500 with our headers without a host, and the JSON index still answers', async () => {
    write('index.hbs', sixth);
    const source = new Answerer(registryFrom(`paths:\n${six}`), new Renderer(dir));
    const app = createApp(source);
    const html = await request(app).get('/').set('Host', 'go.example.org');
    expect(html.status).toBe(500);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.headers['cache-control']).toBe('no-store');
    const json = await request(app).get(INDEX_JSON_PATH).set('Host', 'go.example.org');
    expect(json.status).toBe(200);
    expect((json.body as { modules: unknown[] }).modules).toHaveLength(6);
  });

  it('stops vanity check with exit 1, naming the file', () => {
    const file = write('index.hbs', sixth);
    const config = join(dir, 'six.yaml');
    writeFileSync(config, `paths:\n${six}`);
    const { code, stderr } = run(['check', '-c', config, '--templates', dir]);
    expect(code).toBe(1);
    expect(stderr).toBe(`vanity: template ${file}: The partial nope could not be found\n`);
  });
});

describe('--templates on the command line', () => {
  const config = join(root, 'vanity.yaml');
  writeFileSync(config, NESTED);

  it('builds the site with them', () => {
    write('not-found.hbs', '<p>gone</p>\n');
    const out = join(dir, 'site');
    const { code, stderr } = run(['build', '-c', config, '-o', out, '--templates', dir]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(join(out, '404.html'), 'utf8')).toBe('<p>gone</p>\n');
  });

  it.each([['check'], ['build'], ['serve', '--port', '0']])(
    'stops %s with exit 1 and the file named when one is broken',
    (...command) => {
      const file = write('directory.hbs', '{{/if}}');
      const { code, stderr } = run([...command, '-c', config, '--templates', dir]);
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`^vanity: template ${file}: Parse error on line 1`));
    },
  );
});
