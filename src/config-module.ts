// One entry under `paths`: a module, or a wildcard (`/*`) that stands for many.
import { hasSourceLinks, inferDisplay, inferVcs, VCS_NAMES } from './forge.js';
import type { Vcs } from './forge.js';
import { normaliseModulePath } from './module-path.js';
import { branchProblem, checkRepoUrl, GOVCS_BLOCKED, subdirProblem } from './config-values.js';
import { ConfigChecker, isNull, MULTI_LINE } from './config-checker.js';
import { nearest } from './problems.js';
import type { YamlMap, YamlNode } from './yaml-tree.js';
import { checkDocsUrl } from './docs.js';

export const MODULE_KEYS = [
  'repo',
  'vcs',
  'display',
  'subdir',
  'description',
  'branch',
  'docs_url',
  'hidden',
] as const;

/** What a module and a wildcard share. */
interface EntryConfig {
  vcs: Vcs;
  subdir?: string;
  description?: string;
  /** The module's own docs page; paths below it are appended. */
  docsUrl?: string;
  /** Served, but left out of the index, its JSON form and directory pages. */
  hidden?: boolean;
  /** Where the entry is declared, for messages. */
  line: number;
}

export interface ModuleConfig extends EntryConfig {
  /** The module path below the host, normalised: "/otel", or "/" for the domain root. */
  path: string;
  repo: string;
  /** The three go-source fields after the prefix: home, directory and file templates. */
  display: string;
}

/**
 * `/*` or `/org/*`: the first path element below `prefix` names a module whose
 * repo, display and docs_url are these with each "*" replaced by that element.
 */
export interface WildcardConfig extends EntryConfig {
  /** The entry's key as written, normalised: "/*" or "/org/*". */
  pattern: string;
  /** The path the wildcard element follows: "/" or "/org". */
  prefix: string;
  repo: string;
  /** Set by the user (with "*" in it), or inferred for each repo when a module is asked for. */
  display?: string;
  branch?: string;
}

export type Entry = { module: ModuleConfig } | { wildcard: WildcardConfig };

/** A name that stands for the wildcard element while a template is checked. */
const SAMPLE = 'name';
const WILDCARD_HINT = 'such as https://github.com/ORG/*';

/** Reads the entries under `paths`, reporting into one checker. */
export class EntryReader {
  private readonly seen = new Map<string, number>();

  constructor(private readonly checker: ConfigChecker) {}

  entry(key: YamlNode, value: YamlNode): Entry | null {
    const raw = key.kind === 'scalar' ? key.value : '';
    const keyPath = `paths.${raw}`;
    const { wildcard, path, problem } = entryPath(raw);
    if (problem) this.checker.report(key.pos, keyPath, problem);

    const name = wildcard ? `${path === '/' ? '' : path}/*` : path;
    const earlier = this.seen.get(name);
    if (earlier !== undefined) {
      this.checker.report(
        key.pos,
        keyPath,
        `same module path as line ${earlier}; keep one of them`,
      );
    }
    this.seen.set(name, key.pos.line);

    if (value.kind !== 'map') {
      const hint =
        value.kind === 'scalar' && value.value ? `"repo: ${value.value}"` : '"repo: URL"';
      this.checker.report(value.pos, keyPath, `expected a mapping; write ${hint} on the next line`);
      return null;
    }
    const at = { keyPath, line: key.pos.line };
    return wildcard ? this.wildcard(value, at, name, path) : this.module(value, at, path);
  }

  private module(map: YamlMap, at: At, path: string): Entry | null {
    const fields = this.checker.fields(map, at.keyPath, MODULE_KEYS);
    const repo = this.repo(fields.get('repo'), map, at.keyPath, false);
    if (!repo) return null;

    const common = this.common(fields, repo, at);
    const branch = this.branch(fields, at.keyPath);
    const display = this.display(fields.get('display'), repo, at.keyPath, common.subdir, branch);
    return { module: { path, repo: repo.text, display: display ?? '', ...common } };
  }

  private wildcard(map: YamlMap, at: At, pattern: string, prefix: string): Entry | null {
    const fields = this.checker.fields(map, at.keyPath, MODULE_KEYS);
    const repo = this.repo(fields.get('repo'), map, at.keyPath, true);
    if (!repo) return null;

    const common = this.common(fields, repo, at);
    const branch = this.branch(fields, at.keyPath);
    const displayNode = fields.get('display');
    let display: string | undefined;
    if (displayNode && !isNull(displayNode)) {
      display = this.display(displayNode, repo, at.keyPath, common.subdir, branch);
    }
    const wildcard: WildcardConfig = { pattern, prefix, repo: repo.text, ...common };
    if (display !== undefined) wildcard.display = display;
    if (branch !== undefined) wildcard.branch = branch;
    return { wildcard };
  }

  /** The keys a module and a wildcard read the same way. */
  private common(fields: Map<string, YamlNode>, repo: Repo, at: At): EntryConfig {
    const { keyPath, line } = at;
    const vcs = this.vcs(fields.get('vcs'), repo.url, repo.node, keyPath);
    const subdir = this.subdir(fields.get('subdir'), keyPath);
    const description = this.checker.optionalString(
      fields.get('description'),
      `${keyPath}.description`,
      MULTI_LINE,
    );
    const docsUrl = this.docsUrl(fields.get('docs_url'), `${keyPath}.docs_url`, repo.wildcard);
    const hidden = this.checker.optionalBoolean(fields.get('hidden'), `${keyPath}.hidden`);

    const entry: EntryConfig = { vcs: vcs ?? 'git', line };
    if (subdir !== undefined) entry.subdir = subdir;
    if (description !== undefined) entry.description = description;
    if (docsUrl !== undefined) entry.docsUrl = docsUrl;
    if (hidden) entry.hidden = true;
    return entry;
  }

  /** The repo URL; for a wildcard it must hold one "*", checked with a sample name in it. */
  private repo(node: YamlNode | undefined, map: YamlMap, keyPath: string, wildcard: boolean) {
    if (!node || isNull(node)) {
      const example = 'the repository URL, such as https://github.com/org/name';
      if (node) this.checker.report(node.pos, `${keyPath}.repo`, `no value: write ${example}`);
      else if (!hasTypoOf(map, 'repo')) {
        this.checker.report(map.pos, keyPath, `missing "repo": ${example}`);
      }
      return null;
    }
    const text = this.checker.string(node, `${keyPath}.repo`);
    if (text === undefined) return null;

    const stars = text.split('*').length - 1;
    if (wildcard && stars !== 1) {
      const problem = `a wildcard path needs one "*" in repo for the module name, ${WILDCARD_HINT}`;
      this.checker.report(node.pos, `${keyPath}.repo`, problem);
      return null;
    }
    if (!wildcard && stars > 0) {
      const problem = 'a "*" in repo needs a wildcard path such as "/*"; or write the repo name';
      this.checker.report(node.pos, `${keyPath}.repo`, problem);
      return null;
    }
    const { url, problem } = checkRepoUrl(text.replace('*', SAMPLE));
    if (problem) this.checker.report(node.pos, `${keyPath}.repo`, problem);
    // A "*" in the host would let any request name any server as the repository.
    if (wildcard && url && !problem && !url.pathname.includes(SAMPLE)) {
      const where = 'put the "*" in the path of repo, never in its host';
      this.checker.report(node.pos, `${keyPath}.repo`, `${where}, ${WILDCARD_HINT}`);
      return null;
    }
    return url ? { text, url, node, wildcard } : null;
  }

  private vcs(node: YamlNode | undefined, url: URL, repoNode: YamlNode, keyPath: string) {
    if (node === undefined || isNull(node)) {
      const inferred = inferVcs(url);
      if (!inferred) {
        const hint = `cannot tell the VCS of ${url.host}; add "vcs:" (${VCS_NAMES.join(', ')})`;
        this.checker.report(repoNode.pos, `${keyPath}.vcs`, hint);
      }
      return inferred;
    }
    const text = this.checker.string(node, `${keyPath}.vcs`);
    if (text === undefined) return null;
    if (!(VCS_NAMES as readonly string[]).includes(text)) {
      const guess = nearest(text, VCS_NAMES);
      const hint = guess ? `did you mean "${guess}"?` : `use one of ${VCS_NAMES.join(', ')}`;
      this.checker.report(node.pos, `${keyPath}.vcs`, `unknown VCS "${text}"; ${hint}`);
      return null;
    }
    if (text === 'mod' && url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.checker.report(
        node.pos,
        `${keyPath}.vcs`,
        'vcs "mod" needs an https:// module proxy URL',
      );
    }
    if (GOVCS_BLOCKED.includes(text)) {
      const hint = `users need GOVCS=${url.hostname}:${text} (the default allows only git and hg)`;
      this.checker.warn(node.pos, `${keyPath}.vcs`, hint);
    }
    return text as Vcs;
  }

  /** The go-source fields: as written, or inferred from the repo (undefined for a wildcard). */
  private display(
    node: YamlNode | undefined,
    repo: Repo,
    keyPath: string,
    subdir: string | undefined,
    branch: string | undefined,
  ): string | undefined {
    const text = this.checker.optionalString(node, `${keyPath}.display`);
    if (text === undefined) {
      if (!hasSourceLinks(repo.url, branch)) {
        const hint = branch
          ? 'no source links for this forge from a branch; set display: "HOME DIR FILE"'
          : 'no source links for this forge; set display: "HOME DIR-TEMPLATE FILE-TEMPLATE"';
        this.checker.warn(repo.node.pos, `${keyPath}.display`, hint);
      }
      return repo.wildcard ? undefined : inferDisplay(repo.url, repo.text, subdir, branch);
    }

    const fields = text.trim().split(/\s+/);
    const pos = node?.pos ?? repo.node.pos;
    // Quote marks would land inside the go-source content attribute; "found 3" would not say so.
    if (text.includes('"')) {
      this.checker.report(
        pos,
        `${keyPath}.display`,
        'remove the quote marks inside the three fields',
      );
    } else if (fields.length !== 3) {
      const found = fields.length;
      const problem = `expected three fields, "HOME DIR-TEMPLATE FILE-TEMPLATE", found ${found}`;
      this.checker.report(pos, `${keyPath}.display`, problem);
    }
    return fields.join(' ');
  }

  private subdir(node: YamlNode | undefined, keyPath: string): string | undefined {
    const text = this.checker.optionalString(node, `${keyPath}.subdir`);
    if (text === undefined || !node) return undefined;
    const problem = subdirProblem(text);
    if (problem) this.checker.report(node.pos, `${keyPath}.subdir`, problem);
    return text;
  }

  /** A branch name as it goes into a URL: no spaces, quotes or "..", not starting with "-". */
  private branch(fields: Map<string, YamlNode>, keyPath: string): string | undefined {
    const node = fields.get('branch');
    const text = this.checker.optionalString(node, `${keyPath}.branch`);
    if (text === undefined || !node) return undefined;
    const problem = branchProblem(text);
    if (problem) {
      this.checker.report(node.pos, `${keyPath}.branch`, problem);
      return undefined;
    }
    const display = fields.get('display');
    if (display && !isNull(display)) {
      const problem = 'branch only shapes inferred source links; remove it or display';
      this.checker.report(node.pos, `${keyPath}.branch`, problem);
    }
    return text;
  }

  private docsUrl(node: YamlNode | undefined, keyPath: string, wildcard: boolean) {
    const text = this.checker.optionalString(node, keyPath);
    if (text === undefined || !node) return undefined;
    const { url, problem } = checkDocsUrl(wildcard ? text.replace(/\*/g, SAMPLE) : text);
    if (problem) this.checker.report(node.pos, keyPath, problem);
    if (!wildcard && text.includes('*')) {
      this.checker.report(node.pos, keyPath, 'a "*" in docs_url needs a wildcard path');
    }
    return url ? text.replace(/\/+$/, '') : undefined;
  }
}

/** A key under `paths`: a module path, or a wildcard ending in "/*" (one trailing "/" dropped). */
function entryPath(raw: string): { wildcard: boolean; path: string; problem: string | null } {
  const key = raw.length > 2 && raw.endsWith('/*/') ? raw.slice(0, -1) : raw;
  const wildcard = key.endsWith('/*');
  const prefix = wildcard ? key.slice(0, -2) || '/' : key;
  if (prefix.includes('*')) {
    const problem = 'a "*" may only be the last element, as in "/*" or "/org/*"';
    return { wildcard, path: prefix, problem };
  }
  return { wildcard, ...normaliseModulePath(prefix) };
}

interface At {
  keyPath: string;
  line: number;
}

interface Repo {
  text: string;
  url: URL;
  node: YamlNode;
  wildcard: boolean;
}

/** True when a key of `map` was reported as a typo of `key`: one message says enough. */
function hasTypoOf(map: YamlMap, key: string): boolean {
  return map.entries.some(
    (entry) => entry.key.kind === 'scalar' && nearest(entry.key.value, MODULE_KEYS) === key,
  );
}
