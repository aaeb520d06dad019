// A wildcard entry (`/*` with repo `https://github.com/ORG/*`) made into the module that
// one request names: each "*" becomes the first path element below the wildcard.
import type { ModuleConfig, WildcardConfig } from './config.js';
import { inferDisplay } from './forge.js';
import { normaliseModulePath } from './module-path.js';

/** A module that a wildcard stands for, with the pattern it came from. */
export interface WildcardModule extends ModuleConfig {
  /** The wildcard's path as configured: "/*"; logs and metrics use it as the module. */
  pattern: string;
}

/**
 * The module `element` names below the wildcard, or undefined when the element
 * cannot be a module path element (the request is then answered as if there
 * were no wildcard).
 */
export function resolveWildcard(
  wildcard: WildcardConfig,
  element: string,
): WildcardModule | undefined {
  const path = wildcard.prefix === '/' ? `/${element}` : `${wildcard.prefix}/${element}`;
  // The go command's own rules: an element it refuses, or a v0, v1 or v2.0 suffix.
  if (normaliseModulePath(path).problem !== null) return undefined;

  const repo = wildcard.repo.replace('*', element);
  const display = wildcard.display?.replaceAll('*', element) ?? inferred(wildcard, repo);
  const module: WildcardModule = {
    path,
    repo,
    vcs: wildcard.vcs,
    display,
    line: wildcard.line,
    pattern: wildcard.pattern,
  };
  if (wildcard.subdir !== undefined) module.subdir = wildcard.subdir;
  if (wildcard.description !== undefined) module.description = wildcard.description;
  if (wildcard.docsUrl !== undefined) module.docsUrl = wildcard.docsUrl.replaceAll('*', element);
  if (wildcard.hidden) module.hidden = true;
  return module;
}

function inferred(wildcard: WildcardConfig, repo: string): string {
  // The config checked the repo with a sample name; an element is as safe in a URL path.
  return inferDisplay(new URL(repo), repo, wildcard.subdir, wildcard.branch);
}
