// The validated modules of one vanity domain, with a lookup by import path.
//
// A lookup walks the request path's prefixes from the longest down, one map
// probe per element, starting no deeper than the deepest module: its cost
// follows that depth, never the number of modules nor the length of a hostile
// path. A Map keeps names like `__proto__` as data.
import type { Config, ModuleConfig } from './config.js';

export type Module = Readonly<ModuleConfig>;

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
  private readonly byPath: ReadonlyMap<string, Module>;
  /** Elements in the deepest module path: no longer prefix can match. */
  private readonly maxDepth: number;

  constructor(config: Config) {
    this.host = config.host;
    this.cacheMaxAge = config.cacheMaxAge;
    this.source = config.file;
    const modules = config.modules.map((module) => Object.freeze({ ...module }));
    this.modules = Object.freeze(modules.sort((a, b) => (a.path < b.path ? -1 : 1)));
    this.byPath = new Map(modules.map((module) => [module.path, module]));
    this.maxDepth = Math.max(0, ...modules.map((module) => depthOf(module.path)));
  }

  /** The module answering for a normalised import path ("/a/b" or "/"), if any. */
  lookup(path: string): Match | undefined {
    let prefix = truncate(path, this.maxDepth);
    while (prefix.length > 1) {
      const module = this.byPath.get(prefix);
      if (module) return { module, path };
      prefix = prefix.slice(0, prefix.lastIndexOf('/')) || '/';
    }

    const root = this.byPath.get('/');
    return root ? { module: root, path } : undefined;
  }

  /** The module configured at exactly this path. */
  get(path: string): Module | undefined {
    return this.byPath.get(path);
  }

  get hasRootModule(): boolean {
    return this.byPath.has('/');
  }
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

/** The import path of `path` ("/otel/sdk" or "/") on `host`: no trailing slash for the root. */
export function importPathOf(host: string, path: string): string {
  return path === '/' ? host : `${host}${path}`;
}
