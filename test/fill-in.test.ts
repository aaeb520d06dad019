// fillIn(): the redirect page without rendering, only when that gives the very same text.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { afterAll, describe, expect, it } from 'vitest';
import { fillIn } from '../src/fill-in.js';
import { DEFAULT_TEMPLATES_DIR, Renderer } from '../src/render.js';

const DEFAULT_REDIRECT = readFileSync(join(DEFAULT_TEMPLATES_DIR, 'redirect.hbs'), 'utf8');

const LOCATIONS = [
  'https://pkg.go.dev/go.example.org/otel/sdk',
  'https://pkg.go.dev/go.example.org/otel?tab=doc&q=%3C',
  `https://pkg.go.dev/x?a='b'&c="d"&e=<f>&g=\`h\``,
  'https://docs.example.org/ünïcode/☃',
];

/** A template's render function that counts its calls. */
function counted(source: string) {
  const template = Handlebars.compile(source);
  const render = (location: unknown) => {
    render.calls += 1;
    return template({ location });
  };
  render.calls = 0;
  return render;
}

describe('fillIn', () => {
  it.each([
    ['the default redirect template', DEFAULT_REDIRECT],
    ['a template that inserts the location twice, escaped', '<a href="{{location}}">{{location}}'],
    ['a template that ignores the location', '<p>Moved.</p>'],
    ['a template that tests it for being there', '{{#if location}}to {{location}}{{/if}}'],
  ])('fills in %s without rendering, giving the same text', (_name, source) => {
    const render = counted(source);
    const fill = fillIn(render);
    const calls = render.calls;

    for (const location of LOCATIONS) {
      expect(fill(location)).toBe(Handlebars.compile(source)({ location }));
    }
    expect(render.calls).toBe(calls);
  });

  it.each([
    ['inserts it raw', '<a href="{{{location}}}">{{location}}</a>'],
    ['measures it', '{{location}} ({{location.length}} characters)'],
    ['reads one character', '{{lookup location 0}}: {{location}}'],
    ['tests one character', '{{#if (lookup location 25)}}long {{/if}}{{location}}'],
    ['iterates over it', '{{#each location}}{{this}}{{/each}}'],
    ['reads a property of it', '{{#with location}}{{length}}{{/with}}'],
  ])('renders each time for a template that %s', (_name, source) => {
    const render = counted(source);
    const fill = fillIn(render);
    const calls = render.calls;

    for (const location of LOCATIONS) {
      expect(fill(location)).toBe(Handlebars.compile(source)({ location }));
    }
    expect(render.calls).toBe(calls + LOCATIONS.length);
  });

  it('gives what the default template gives, for any value', () => {
    const template = Handlebars.compile(DEFAULT_REDIRECT);
    const fill = fillIn((location) => template({ location }));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (location) => {
        expect(fill(location)).toBe(template({ location }));
      }),
    );
  });

  it('renders an empty value, which a template can tell from any other', () => {
    const source = '{{#if location}}to {{location}}{{else}}nowhere{{/if}}';
    expect(fillIn(counted(source))('')).toBe('nowhere');
  });

  it('renders each time when the template throws for the stand-in', () => {
    const render = (location: unknown) => {
      if (typeof location !== 'string') throw new Error('not a string');
      return `<p>${location}</p>`;
    };
    expect(fillIn(render)).toBe(render);
  });
});

describe('the redirect page of a Renderer', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the default template', undefined],
    ['an override that inserts the location raw', '<a href="{{{location}}}">go</a>\n'],
    ['an override that counts characters', '{{location}} {{location.length}}\n'],
  ])('is the rendered page with %s', (_name, override) => {
    let dir: string | undefined;
    if (override !== undefined) {
      dir = mkdtempSync(join(tmpdir(), 'vanity-fill-in-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'redirect.hbs'), override);
    }
    const template = Handlebars.compile(override ?? DEFAULT_REDIRECT);
    const renderer = new Renderer(dir);

    for (const location of LOCATIONS) {
      expect(renderer.redirectPage(location)).toBe(template({ location }));
    }
  });
});
