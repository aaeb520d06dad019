// What can be known about a repository from its URL: its VCS and its source links.
//
// Links use the forge's HEAD ref, which each of these forges resolves to the
// default branch, so nothing here assumes a branch name such as master; a
// module's `branch`, when set, takes its place.

export const VCS_NAMES = ['git', 'hg', 'svn', 'fossil', 'bzr', 'mod'] as const;
export type Vcs = (typeof VCS_NAMES)[number];

interface Forge {
  host: string;
  /**
   * The go-source directory and file templates for a repo home page, where
   * `ref` is HEAD, followed by the module's folder when it has a subdir.
   * Absent when the forge's links need a branch name, which a URL does not tell.
   */
  templates?: (home: string, ref: string) => [string, string];
  /** The templates from a branch name, for forges whose links name the branch. */
  branchTemplates?: (home: string, ref: string) => [string, string];
}

const FORGES: Forge[] = [
  {
    host: 'github.com',
    templates: (home, ref) => [
      `${home}/tree/${ref}{/dir}`,
      `${home}/blob/${ref}{/dir}/{file}#L{line}`,
    ],
  },
  {
    host: 'gitlab.com',
    templates: (home, ref) => [
      `${home}/-/tree/${ref}{/dir}`,
      `${home}/-/blob/${ref}{/dir}/{file}#L{line}`,
    ],
  },
  {
    host: 'bitbucket.org',
    templates: (home, ref) => [
      `${home}/src/${ref}{/dir}`,
      `${home}/src/${ref}{/dir}/{file}#lines-{line}`,
    ],
  },
  // Forgejo links name a branch ("src/branch/main"): without one, "_" lets pkg.go.dev decide.
  {
    host: 'codeberg.org',
    branchTemplates: (home, ref) => [
      `${home}/src/branch/${ref}{/dir}`,
      `${home}/src/branch/${ref}{/dir}/{file}#L{line}`,
    ],
  },
];

function forgeOf(repo: URL): Forge | undefined {
  return FORGES.find((forge) => forge.host === repo.hostname.toLowerCase());
}

/** The repository's home page: the URL without a trailing ".git" or "/". */
export function repoHome(repo: string): string {
  return repo.replace(/\/+$/, '').replace(/\.git$/, '');
}

/** The VCS a repo URL implies, or null when only the user can say. */
export function inferVcs(repo: URL): Vcs | null {
  if (forgeOf(repo)) return 'git';
  if (repo.pathname.endsWith('.git')) return 'git';
  return null;
}

/**
 * The three go-source fields after the prefix (home, directory and file
 * templates). For a forge whose links we cannot build, home only and "_".
 */
export function inferDisplay(repo: URL, raw: string, subdir?: string, branch?: string): string {
  const forge = forgeOf(repo);
  if (!forge) return `${repoHome(raw)} _ _`;
  // Source links are for browsers: a forge serves its pages over https, so an
  // ssh:// or git:// clone URL, a user name or a query must not reach them.
  const home = repoHome(`https://${repo.hostname}${repo.pathname}`);
  const templates = linkTemplates(forge, branch);
  if (!templates) return `${home} _ _`;
  const ref = branch ?? 'HEAD';
  const [dir, file] = templates(home, subdir ? `${ref}/${subdir}` : ref);
  return `${home} ${dir} ${file}`;
}

function linkTemplates(forge: Forge, branch: string | undefined) {
  return branch === undefined ? forge.templates : (forge.branchTemplates ?? forge.templates);
}

/** True when we know how to link into this repo's files (from `branch`, when set). */
export function hasSourceLinks(repo: URL, branch?: string): boolean {
  const forge = forgeOf(repo);
  return forge !== undefined && linkTemplates(forge, branch) !== undefined;
}
