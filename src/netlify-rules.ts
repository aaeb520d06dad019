// Netlify's _redirects and _headers for the static site: which file or redirect answers a path.
//
// Netlify takes the first rule that matches, and `/otel/*` matches `/otel` too, so each
// module needs three rules: go-get=1 rewrites to the module's page (Netlify compares a
// query parameter by its exact value, wherever it stands among the others); the module
// path itself redirects to its docs; any path below redirects to its docs, keeping the
// request's query because the target has none. Nested modules come before their
// parents. Every rule is forced ("!"): an unforced rule yields to a file at that path.
//
// The pages live under /.well-known/vanity/, which no import path can reach (an element
// that starts with a dot is never part of a module path). Netlify publishes .well-known
// although it leaves out other names that start with a dot: its deploy client skips
// every such file or folder except ".well-known" (netlify/js-client pull request #226,
// `defaultFilter`, the filter its CLI deploys with; no docs.netlify.com page says so).
//
// test/netlify-parity.test.ts checks all of this with Netlify's own matcher.
import { HEALTH_PATH } from './answer.js';

/** The folder of our own files, reachable from no import path. */
export const SITE_DIR = '/.well-known/vanity';
export const NOT_FOUND_PAGE = '/404.html';
/**
 * A copy of the 404 page for requests of /404.html itself: Netlify's matcher skips a
 * 404 rule whose target is the path asked for, and would serve that file with a 200.
 */
export const NOT_FOUND_COPY = `${SITE_DIR}/404.html`;
export const INDEX_PAGE = `${SITE_DIR}/index.html`;
export const HEALTH_FILE = `${SITE_DIR}/health.json`;
/** The index as JSON, served at the path the server answers it on. */
export const INDEX_JSON_FILE = `${SITE_DIR}/index.json`;
/** The first line of both files, so that a reader knows not to edit them by hand. */
export const GENERATED_MARK = '# Written by "vanity build" from the config; build again to change.';

/**
 * Netlify's docs advise wildcards when a site needs 10,000 redirects or more, and say a
 * deploy may fail when the rules grow too large (docs.netlify.com, "Redirects and
 * rewrites"). Ours are wildcards already, so past this count only fewer modules help.
 */
export const DEFAULT_RULE_LIMIT = 10_000;

/** What the rules need to know about one module; every value comes from answer(). */
export interface ModuleRoute {
  /** The module path: "/otel", or "/" for the domain root. */
  path: string;
  /** Its import path, for the comment above its rules. */
  importPath: string;
  /** The site path of its go-get page. */
  page: string;
  /** Where answer() sends a browser that asks for the module path itself. */
  docs: string;
  /** git's clone discovery: redirected to the repository (302), or a 404 file that says why. */
  clone: { to: string; status: 302 | 404 };
}

/** A folder that holds modules but is none: its listing page. */
export interface DirectoryRoute {
  path: string;
  page: string;
}

export interface Rules {
  text: string;
  count: number;
}

/**
 * The site path of a module's page. "@" never appears in a module path, so a page
 * can never take the name of a folder that holds the pages of nested modules.
 */
export function modulePagePath(modulePath: string): string {
  return `${SITE_DIR}/m/${modulePath.slice(1)}@.html`;
}

/** The site path of a directory page, kept apart from module pages. */
export function directoryPagePath(path: string): string {
  return `${SITE_DIR}/d/${path.slice(1)}@.html`;
}

/** The site path of the text that a clone of a module that git cannot fetch gets. */
export function clonePagePath(modulePath: string): string {
  return `${SITE_DIR}/c/${modulePath.slice(1)}@.txt`;
}

/**
 * The _redirects file: our own files, then the modules (nested first), the
 * directory pages, then the misses.
 */
export function redirectRules(
  routes: readonly ModuleRoute[],
  directories: readonly DirectoryRoute[] = [],
): Rules {
  const hasRoot = routes.some((route) => route.path === '/');
  const blocks = [
    ['# Our own files; a 404 for anything else under /.well-known, as the server answers.'],
    [
      `${HEALTH_PATH} ${HEALTH_FILE} 200!`,
      `${INDEX_JSON_FILE} ${INDEX_JSON_FILE} 200!`,
      `/.well-known/* ${NOT_FOUND_PAGE} 404!`,
    ],
    ...[...routes].sort(deepestFirst).map(moduleRules),
    ...directories.map(directoryRules),
  ];
  if (!hasRoot) blocks.push(missRules());

  const lines = [GENERATED_MARK, ...blocks.flat()];
  const count = lines.filter((line) => !line.startsWith('#')).length;
  return { text: `${lines.join('\n')}\n`, count };
}

function moduleRules(route: ModuleRoute): string[] {
  const below = route.path === '/' ? '/*' : `${route.path}/*`;
  const base = route.path === '/' ? '' : route.path;
  const { to, status } = route.clone;
  return [
    `# ${route.importPath}`,
    `${base}/info/refs service=git-upload-pack ${to} ${status}!`,
    `${below} go-get=1 ${route.page} 200!`,
    `${route.path} ${route.docs} 302!`,
    `${below} ${route.docs}/:splat 302!`,
  ];
}

/** A directory page for browsers; the go command gets the 404 the server sends it. */
function directoryRules(route: DirectoryRoute): string[] {
  return [
    `# ${route.path}: a directory of modules`,
    `${route.path} go-get=1 ${NOT_FOUND_PAGE} 404!`,
    `${route.path} ${route.page} 200!`,
  ];
}

/** Without a module at "/": the index for browsers, a miss for the go command and the rest. */
function missRules(): string[] {
  return [
    '# The index for browsers, and a 404 for everything else (our files by name too).',
    `/ go-get=1 ${NOT_FOUND_PAGE} 404!`,
    `/ ${INDEX_PAGE} 200!`,
    `${NOT_FOUND_PAGE} ${NOT_FOUND_COPY} 404!`,
    `/* ${NOT_FOUND_PAGE} 404!`,
  ];
}

/** Deeper module paths first, so that /otel/sdk/* is tried before /otel/*. */
function deepestFirst(a: ModuleRoute, b: ModuleRoute): number {
  const depth = (path: string) => (path === '/' ? 0 : path.split('/').length);
  return depth(b.path) - depth(a.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** One header block: the site path of a file and the headers it is served with. */
export interface HeaderBlock {
  path: string;
  headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * The _headers file. Netlify applies these to files it serves, never to redirects
 * (docs.netlify.com, "Custom headers": they apply only to files served from its own
 * store). Blocks name the files themselves, as netlify-cli (Netlify's local emulation)
 * matches a rewrite's headers on the file it serves. A block that names one file matches
 * that file alone; only the all-paths block overlaps the others, and it sets no header
 * they set, so no value is ever merged with another.
 */
export function headerRules(security: HeaderBlock['headers'], files: readonly HeaderBlock[]) {
  const blocks = [{ path: '/*', headers: security }, ...files];
  const lines = blocks.flatMap((block) => [
    block.path,
    ...block.headers.map(([name, value]) => `  ${name}: ${value}`),
  ]);
  return `${[GENERATED_MARK, ...lines].join('\n')}\n`;
}
