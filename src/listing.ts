// What the index page, its JSON form and directory pages list: every module that is not
// hidden, with its docs link and the `go get` line to copy, and the wildcard patterns.
import { docsLocation } from './docs.js';
import type { Module, Registry } from './registry.js';
import { importPathOf } from './registry.js';

export interface ListedModule {
  path: string;
  importPath: string;
  vcs: string;
  repo: string;
  subdir?: string | undefined;
  description?: string | undefined;
  docsUrl: string;
  goGet: string;
}

export interface ListedWildcard {
  pattern: string;
  /** The import path with its "*": "go.example.org/*". */
  importPath: string;
  vcs: string;
  repo: string;
  description?: string | undefined;
}

export interface Listing {
  host: string;
  modules: ListedModule[];
  wildcards: ListedWildcard[];
}

export function listModule(registry: Registry, module: Module, host: string): ListedModule {
  const importPath = importPathOf(host, module.path);
  return {
    path: module.path,
    importPath,
    vcs: module.vcs,
    repo: module.repo,
    subdir: module.subdir,
    description: module.description,
    docsUrl: docsLocation(registry.docs, module, host, module.path),
    goGet: `go get ${importPath}`,
  };
}

/** The whole listing of a registry on `host`: hidden entries left out. */
export function listing(registry: Registry, host: string): Listing {
  const modules = registry.modules
    .filter((module) => !module.hidden)
    .map((module) => listModule(registry, module, host));
  const wildcards = registry.wildcards
    .filter((wildcard) => !wildcard.hidden)
    .map((wildcard) => ({
      pattern: wildcard.pattern,
      importPath: importPathOf(host, wildcard.pattern),
      vcs: wildcard.vcs,
      repo: wildcard.repo,
      description: wildcard.description,
    }));
  return { host, modules, wildcards };
}

/** The listing as JSON for tools: snake_case keys, absent fields left out. */
export function listingJson(list: Listing): string {
  const modules = list.modules.map((module) => ({
    path: module.path,
    import_path: module.importPath,
    vcs: module.vcs,
    repo: module.repo,
    subdir: module.subdir,
    description: module.description,
    docs_url: module.docsUrl,
    go_get: module.goGet,
  }));
  const wildcards = list.wildcards.map((wildcard) => ({
    path: wildcard.pattern,
    import_path: wildcard.importPath,
    vcs: wildcard.vcs,
    repo: wildcard.repo,
    description: wildcard.description,
  }));
  return `${JSON.stringify({ host: list.host, modules, wildcards }, null, 2)}\n`;
}
