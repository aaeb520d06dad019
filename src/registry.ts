// The validated modules of one vanity domain, with a lookup by import path.
//
// A lookup walks the request path's prefixes from the longest down, one map
// probe per element, starting no deeper than the deepest module: its cost
// follows that depth, never the number of modules nor the length of a hostile
// path. A Map keeps names like `__proto__` as data. At each depth a configured
// module comes before a wildcard, so explicit paths win and the longest wins.
import type { Config, ModuleConfig, WildcardConfig } from './config.js';
import { DEFAULT_DOCS } from './docs.js';
import { resolveWildcard } from './wildcard.js';
import type { WildcardModule } from './wildcard.js';

export { importPathOf } from './module-path.js';

export type Module = Readonly<ModuleConfig> & { readonly pattern?: string };

export interface Match {
  module: Module;
  /** The normalised import path asked for, below the host: "/otel/sdk/metric". */
  path: string;
}

export class Registry {
  readonly host: string | undefined;
  readonly cacheMaxAge: number;
  /** Every module, sorted by path, for listings. */
  readonly modules: readonly Module[];
  readonly source: string;
  /** The docs base URL, ending in "/". */
  readonly docs: string;
  readonly wildcards: readonly Readonly<WildcardConfig>[];
  private readonly byPath: ReadonlyMap<string, Module>;
  /** Wildcards by the path their element follows: "/" for `/*`. */
  private readonly wildcardAt: ReadonlyMap<string, Readonly<WildcardConfig>>;
  /** Every folder above a listed module ("/a" for "/a/b"): a directory page is one of them. */
  readonly folders: ReadonlySet<string>;
  /** Elements in the deepest module path: no longer prefix can match. */
  private readonly maxDepth: number;

  constructor(config: Config) {
    this.host = config.host;
    this.cacheMaxAge = config.cacheMaxAge;
    this.source = config.file;
    this.docs = config.docs ?? DEFAULT_DOCS;
    // Object.assign, not a spread: V8 gives each frozen spread copy a hidden class of its
    // own, which at 10,000 modules costs megabytes and makes every `module.path` slow.
    const modules = config.modules.map((module) => Object.freeze(Object.assign({}, module)));
    this.modules = Object.freeze(modules.sort((a, b) => (a.path < b.path ? -1 : 1)));
    this.byPath = new Map(modules.map((module) => [module.path, module]));
    const wildcards = (config.wildcards ?? []).map((wildcard) => Object.freeze({ ...wildcard }));
    this.wildcards = Object.freeze(wildcards);
    this.wildcardAt = new Map(wildcards.map((wildcard) => [wildcard.prefix, wildcard]));
    const depths = [
      ...modules.map((module) => depthOf(module.path)),
      ...wildcards.map((wildcard) => depthOf(wildcard.prefix) + 1),
    ];
    this.maxDepth = Math.max(0, ...depths);
    this.folders = foldersAbove(modules.filter((module) => !module.hidden));
  }

  /** The module answering for a normalised import path ("/a/b" or "/"), if any. */
  lookup(path: string): Match | undefined {
    let prefix = truncate(path, this.maxDepth);
    while (prefix.length > 1) {
      const cut = prefix.lastIndexOf('/');
      const parent = prefix.slice(0, cut) || '/';
      const module = this.byPath.get(prefix) ?? this.wildcardModule(parent, prefix.slice(cut + 1));
      if (module) return { module, path };
      prefix = parent;
    }

    const root = this.byPath.get('/');
    return root ? { module: root, path } : undefined;
  }

  /** True when some wildcard can answer: its modules are made per request. */
  get hasWildcards(): boolean {
    return this.wildcardAt.size > 0;
  }

  /**
   * The listed modules below `path` (not hidden), in path order, for a directory
   * page (never the root, which has the index): a set tells whether there are
   * any, and a binary search finds the first, as sorted paths keep a folder together.
   */
  listedBelow(path: string): Module[] {
    if (!this.folders.has(path)) return [];
    const folder = path === '/' ? '/' : `${path}/`;
    let low = 0;
    let high = this.modules.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.modules[middle]?.path ?? '') < folder) low = middle + 1;
      else high = middle;
    }

    const below: Module[] = [];
    for (let i = low; i < this.modules.length; i++) {
      const module = this.modules[i];
      if (!module?.path.startsWith(folder)) break;
      if (!module.hidden) below.push(module);
    }
    return below;
  }

  private wildcardModule(parent: string, element: string): WildcardModule | undefined {
    // Without wildcards a lookup stays one probe per element.
    if (this.wildcardAt.size === 0) return undefined;
    const wildcard = this.wildcardAt.get(parent);
    if (!wildcard) return undefined;
    // `/team` of a `/team/*` is a folder of modules, never a module of `/*`.
    const path = parent === '/' ? `/${element}` : `${parent}/${element}`;
    return this.wildcardAt.has(path) ? undefined : resolveWildcard(wildcard, element);
  }

  /** The same modules without the wildcards: what a static site can serve. */
  withoutWildcards(): Registry {
    const { source: file, cacheMaxAge, docs } = this;
    const modules = [...this.modules];
    const host = this.host === undefined ? {} : { host: this.host };
    return new Registry({ file, cacheMaxAge, docs, modules, warnings: [], ...host });
  }

  /** The module configured at exactly this path. */
  get(path: string): Module | undefined {
    return this.byPath.get(path);
  }

  get hasRootModule(): boolean {
    return this.byPath.has('/');
  }
}

function foldersAbove(modules: readonly Module[]): Set<string> {
  const folders = new Set<string>();
  for (const { path } of modules) {
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
      folders.add(path.slice(0, cut));
    }
  }
  return folders;
}

function depthOf(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/** The first `depth` elements of a path ("/a/b/c", 2 gives "/a/b"). */
function truncate(path: string, depth: number): string {
  let end = 0;
  for (let i = 0; i < depth; i++) {
    end = path.indexOf('/', end + 1);
    if (end < 0) return path;
  }
  return path.slice(0, end) || '/';
}
