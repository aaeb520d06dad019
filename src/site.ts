// The static site for Netlify: every page is answer()'s body, routed by Netlify's rules.
//
// Nothing here renders or matches: a module's page is what answer() sends for
// `<module>?go-get=1`, its docs link is the Location answer() sends a browser, and each
// file's Cache-Control is the one answer() sets. A static site cannot read the Host
// header, so the registry must name its host.
import { Answerer, HEALTH_PATH, INDEX_JSON_PATH } from './answer.js';
import type { Answer, AnswerKind } from './answer.js';
import {
  DEFAULT_RULE_LIMIT,
  clonePagePath,
  directoryPagePath,
  headerRules,
  HEALTH_FILE,
  INDEX_JSON_FILE,
  INDEX_PAGE,
  modulePagePath,
  NOT_FOUND_COPY,
  NOT_FOUND_PAGE,
  redirectRules,
  SITE_DIR,
} from './netlify-rules.js';
import type { DirectoryRoute, HeaderBlock, ModuleRoute } from './netlify-rules.js';
import { importPathOf, Registry } from './registry.js';
import { securityHeaders } from './security.js';
import { writeSiteFolder } from './site-output.js';

export { DEFAULT_RULE_LIMIT } from './netlify-rules.js';

export interface SiteOptions {
  /** The folder to write; created when missing, replaced when an earlier build wrote it. */
  outDir: string;
  /** Warn when the redirect rules pass this count (default 10,000, after Netlify's docs). */
  ruleLimit?: number;
}

/** A site ready to write: file contents by site path, and what to tell the user. */
export interface SitePlan {
  files: Map<string, Buffer>;
  modules: number;
  /** HTML pages: one per module, the index (without a module at "/") and the 404 page. */
  pages: number;
  rules: number;
  warnings: string[];
}

export interface SiteReport extends SitePlan {
  outDir: string;
}

/** Plans the site and writes it to `outDir`; throws when the registry has no host. */
export async function buildSite(
  source: Registry | Answerer,
  options: SiteOptions,
): Promise<SiteReport> {
  const plan = planSite(source, options.ruleLimit);
  await writeSiteFolder(options.outDir, plan.files);
  return { ...plan, outDir: options.outDir };
}

/** Every file of the site, without touching the disk. */
export function planSite(
  source: Registry | Answerer,
  ruleLimit: number = DEFAULT_RULE_LIMIT,
): SitePlan {
  const given = source instanceof Answerer ? source : new Answerer(source);
  // Wildcards are left out entirely: no page or listing may name what the site cannot serve.
  const answerer = given.registry.hasWildcards
    ? new Answerer(given.registry.withoutWildcards(), given.renderer)
    : given;
  const registry = answerer.registry;
  if (!registry.host) throw new Error(missingHost(registry.source));

  const served: ServedFile[] = [];
  const routes = registry.modules.map((module) => moduleRoute(answerer, module.path, served));
  const directories = directoryRoutes(answerer, served);
  if (!registry.hasRootModule) served.push(file(answerer, INDEX_PAGE, '/', 'index'));
  served.push(file(answerer, INDEX_JSON_FILE, INDEX_JSON_PATH, 'index'));
  served.push(file(answerer, NOT_FOUND_PAGE, `${SITE_DIR}/404`, 'miss'));
  served.push(file(answerer, NOT_FOUND_COPY, `${SITE_DIR}/404`, 'miss'));
  served.push(file(answerer, HEALTH_FILE, HEALTH_PATH, 'health'));

  const rules = redirectRules(routes, directories);
  const files = new Map(served.map(({ path, answer }) => [path.slice(1), answer.body]));
  files.set('_redirects', Buffer.from(rules.text));
  files.set('_headers', Buffer.from(headerRules(securityHeaders(), served.map(cacheBlock))));

  const warnings = rules.count > ruleLimit ? [tooManyRules(rules.count, ruleLimit)] : [];
  if (given.registry.hasWildcards) warnings.push(leftOutWildcards(given.registry));
  // The module and directory pages, the index unless a module holds "/", the 404 page (once).
  const pages = registry.modules.length + directories.length + (registry.hasRootModule ? 1 : 2);
  return { files, modules: registry.modules.length, pages, rules: rules.count, warnings };
}

/**
 * The folders that answer() lists (each ancestor of a listed module that is not
 * within a module itself), with their pages added to `served`.
 */
function directoryRoutes(answerer: Answerer, served: ServedFile[]): DirectoryRoute[] {
  const routes: DirectoryRoute[] = [];
  for (const path of [...answerer.registry.folders].sort()) {
    const answer = answerer.answer({ method: 'GET', target: path });
    if (answer.kind !== 'directory') continue;
    const page = directoryPagePath(path);
    served.push({ path: page, answer });
    routes.push({ path, page });
  }
  return routes;
}

/** A file of the site and the answer it holds. */
interface ServedFile {
  path: string;
  answer: Answer;
}

/** The module's page (added to `served`) and its route: the docs link is answer()'s too. */
function moduleRoute(answerer: Answerer, path: string, served: ServedFile[]): ModuleRoute {
  const page = file(answerer, modulePagePath(path), `${path}?go-get=1`, 'go-get');
  served.push(page);
  const docs = ask(answerer, path, 'browser').headers['Location'];
  if (!docs) throw new Error(`site: answer() sent no Location for ${path}`);
  const importPath = importPathOf(answerer.registry.host ?? '', path);
  return { path, importPath, page: page.path, docs, clone: cloneRoute(answerer, path, served) };
}

/** Where git's clone discovery goes: answer()'s redirect, or its 404 as a file. */
function cloneRoute(answerer: Answerer, path: string, served: ServedFile[]) {
  const base = path === '/' ? '' : path;
  const answer = ask(answerer, `${base}${CLONE_QUERY}`, 'clone');
  const location = answer.headers['Location'];
  if (answer.status === 302 && location) return { to: location, status: 302 as const };

  const text = clonePagePath(path);
  served.push({ path: text, answer });
  return { to: text, status: 404 as const };
}

const CLONE_QUERY = '/info/refs?service=git-upload-pack';

function file(answerer: Answerer, path: string, target: string, kind: AnswerKind): ServedFile {
  return { path, answer: ask(answerer, target, kind) };
}

/** answer() for a GET; a different kind of answer than planned is a bug, never published. */
function ask(answerer: Answerer, target: string, kind: AnswerKind): Answer {
  const answer = answerer.answer({ method: 'GET', target });
  if (answer.kind !== kind) {
    throw new Error(`site: answer() gave "${answer.kind}" for ${target}, not "${kind}"`);
  }
  return answer;
}

function cacheBlock({ path, answer }: ServedFile): HeaderBlock {
  const cache = answer.headers['Cache-Control'];
  return { path, headers: cache ? [['Cache-Control', cache]] : [] };
}

function leftOutWildcards(registry: Registry): string {
  const patterns = registry.wildcards.map((wildcard) => wildcard.pattern).join(', ');
  return (
    `wildcard paths (${patterns}) are left out: a static page cannot name a repository ` +
    'after the path asked for; list those modules one by one, or serve with "vanity serve"'
  );
}

function missingHost(file: string): string {
  return (
    `${file}: host is not set, and a static site cannot read the Host header; ` +
    'add "host: go.example.org" (your vanity domain) at the top of the config'
  );
}

function tooManyRules(count: number, limit: number): string {
  return (
    `${count} redirect rules, more than ${limit}: Netlify advises against that many ` +
    '(a deploy may fail when they grow too large); split the modules over more sites ' +
    'or serve them with "vanity serve"'
  );
}
