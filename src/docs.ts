// Where a browser goes for a module's documentation: pkg.go.dev, a self-hosted
// pkgsite named by `docs`, or a module's own `docs_url`.
import { importPathOf } from './module-path.js';

export const DEFAULT_DOCS = 'https://pkg.go.dev/';

/** A docs URL must be http(s) with no query or fragment: paths are appended to it. */
export function checkDocsUrl(text: string): { url: URL | null; problem: string | null } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { url: null, problem: `"${text}" is not a URL; write one such as https://pkg.go.dev/` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { url: null, problem: `write an https:// URL, not ${url.protocol}` };
  }
  if (url.search || url.hash || text.includes('?') || text.includes('#')) {
    return { url: null, problem: 'remove the query or fragment: import paths are appended' };
  }
  if (/\s|"|'|<|>/.test(text) || url.username || url.password) {
    return { url: null, problem: `"${text}" must have no spaces, quotes or user name` };
  }
  return { url, problem: null };
}

/** The docs base as the config gives it, with exactly one trailing slash. */
export function docsBase(text: string): string {
  return `${text.replace(/\/+$/, '')}/`;
}

/** What a module needs to say where its docs are. */
interface Documented {
  path: string;
  docsUrl?: string | undefined;
}

/**
 * The docs page for an import path (below the host) in a module: the module's
 * docs_url with the sub-path appended, or the docs base with the import path.
 */
export function docsLocation(docs: string, module: Documented, host: string, path: string) {
  if (module.docsUrl === undefined) return docs + importPathOf(host, path);

  const below = module.path === '/' ? path.replace(/^\/$/, '') : path.slice(module.path.length);
  return module.docsUrl + below;
}
