// Test helpers: registries from inline YAML, and the meta tags a go command would read.
import { expect } from 'vitest';
import { parseConfig } from '../src/config.js';
import { Registry } from '../src/registry.js';

/** A Registry from inline vanity.yaml text; fails the test on any config problem. */
export function registryFrom(yaml: string): Registry {
  const result = parseConfig(yaml, 'test.yaml');
  if (!result.ok) expect.fail(result.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return new Registry(result.config);
}

/**
 * The contents of <meta name=NAME> tags that come before the first <body> or
 * </head>, as the go command reads them; anything after those is ignored.
 */
export function metaTags(html: string, name: string): string[] {
  const stop = html.search(/<body[\s>]|<\/head\s*>/i);
  const head = stop >= 0 ? html.slice(0, stop) : html;
  const tags: string[] = [];
  for (const match of head.matchAll(/<meta\s+name="([^"]*)"\s+content="([^"]*)"\s*\/?>/gi)) {
    if (match[1] === name) tags.push(decodeEntities(match[2] ?? ''));
  }
  return tags;
}

/** The decoded href of every link on a page. */
export function links(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1] ?? ''));
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCharCode(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Every meta tag of any name anywhere in the page, to prove a miss carries none. */
export function allGoImportTags(html: string): number {
  return (html.match(/go-import/g) ?? []).length;
}

/** Nested modules and names that sort between a module and its sub-paths. */
export const NESTED = `host: go.example.org
cache_max_age: 600
paths:
  /otel:
    repo: https://github.com/example/otel
  /otel/sdk:
    repo: https://github.com/example/otel-sdk
  /otel-ext:
    repo: https://github.com/example/otel-ext
  /otel/x:
    repo: https://github.com/example/otel-x
`;
/** Folders that hold modules without being one, a hidden module and other docs sites. */
export const FOLDERS = `host: go.example.org
docs: https://pkgsite.example.org/
paths:
  /tools/lint:
    repo: https://github.com/example/lint
    description: A linter
  /tools/fmt:
    repo: https://github.com/example/fmt
  /tools/deep/gen:
    repo: https://github.com/example/gen
  /secret/x:
    repo: https://github.com/example/secret
    hidden: true
  /svc:
    repo: https://git.example.org/svc.git
    docs_url: https://docs.example.org/svc
  /hgmod:
    repo: https://hg.example.org/hgmod
    vcs: hg
`;
/** A module at the domain root, and one below it. */
export const ROOT = `host: root.example.org
paths:
  /:
    repo: https://github.com/example/root
  /tools:
    repo: https://github.com/example/tools
`;
