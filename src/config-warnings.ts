// Configs that load but that the go command would trip over: warnings, never refusals.
import type { ModuleConfig, WildcardConfig } from './config.js';
import { resolveWildcard } from './wildcard.js';
import { repoHome } from './forge.js';

/**
 * A module nested in another that names the same repository without a subdir
 * breaks `go get`: the go command takes the nested path as the repository
 * root and looks for tags without the folder prefix. The parent answers for
 * it already.
 */
export function nestedRepoWarnings(modules: ModuleConfig[], wildcards: WildcardConfig[] = []) {
  const byPath = new Map(modules.map((module) => [module.path, module]));
  const wildcardAt = new Map(wildcards.map((wildcard) => [wildcard.prefix, wildcard]));
  const warnings: { line: number; key: string; text: string }[] = [];
  for (const module of modules) {
    const parent = parentModule(module.path, byPath, wildcardAt);
    if (!parent || module.subdir || repoKey(parent.repo) !== repoKey(module.repo)) continue;
    const folder = module.path.slice(parent.path.length).replace(/^\//, '');
    warnings.push({
      line: module.line,
      key: `paths.${module.path}`,
      text:
        `same repository as ${parent.path}, so the go command would look for tags ` +
        `without the "${folder}/" prefix; remove this entry (${parent.path} answers for it)` +
        ` or set "subdir: ${folder}" (read by Go 1.25 and newer)`,
    });
  }
  return warnings;
}

/**
 * One spelling for one repository: scheme, user and letter case do not make
 * another (forges ignore case; a false alarm costs only a warning).
 */
function repoKey(repo: string): string {
  const url = new URL(repo);
  return `${url.hostname}${repoHome(url.pathname)}`.toLowerCase();
}

/** The module that answers for the folder above `path`: configured, or made by a wildcard. */
function parentModule(
  path: string,
  byPath: Map<string, ModuleConfig>,
  wildcardAt: Map<string, WildcardConfig>,
): ModuleConfig | undefined {
  let prefix = path;
  while (prefix.length > 1) {
    const cut = prefix.lastIndexOf('/');
    const above = prefix.slice(0, cut) || '/';
    const wildcard = wildcardAt.get(above);
    const made = wildcard && prefix !== path && resolveWildcard(wildcard, prefix.slice(cut + 1));
    prefix = above;
    const parent = made || byPath.get(prefix);
    if (parent) return parent;
  }
  return undefined;
}

/**
 * Two module paths that differ only in letter case are two modules to the go
 * command, but one file on a case-insensitive disk (a built site's pages) and
 * easy for people to mistake for each other.
 */
export function caseWarnings(modules: ModuleConfig[]) {
  const byLower = new Map<string, ModuleConfig>();
  const warnings: { line: number; key: string; text: string }[] = [];
  for (const module of modules) {
    const lower = module.path.toLowerCase();
    const earlier = byLower.get(lower);
    if (earlier) {
      warnings.push({
        line: module.line,
        key: `paths.${module.path}`,
        text: `differs from ${earlier.path} (line ${earlier.line}) only in letter case; rename one`,
      });
    } else {
      byLower.set(lower, module);
    }
  }
  return warnings;
}
