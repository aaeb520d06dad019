// vanity.yaml text to a validated Config, or every problem in it at once.
//
// The format is govanityurls' (host, cache_max_age, paths with repo, vcs and
// display), unchanged, plus `subdir` and `description` per module. Parsing
// takes a string; reading the file is the loader's job (load-config.ts).
import { hasSourceLinks, inferDisplay, inferVcs, VCS_NAMES } from './forge.js';
import type { Vcs } from './forge.js';
import { isVanityDomain, moduleElementProblem, normaliseModulePath } from './module-path.js';
import { checkRepoUrl, controlCharacter, GOVCS_BLOCKED } from './config-values.js';
import { caseWarnings, nestedRepoWarnings } from './config-warnings.js';
import { nearest } from './problems.js';
import type { Problem } from './problems.js';
import { parseYamlTree, YamlSyntaxError } from './yaml-tree.js';
import type { Position, YamlMap, YamlNode } from './yaml-tree.js';

export const DEFAULT_CACHE_MAX_AGE = 86_400;

export interface ModuleConfig {
  /** The module path below the host, normalised: "/otel", or "/" for the domain root. */
  path: string;
  repo: string;
  vcs: Vcs;
  /** The three go-source fields after the prefix: home, directory and file templates. */
  display: string;
  subdir?: string;
  description?: string;
  /** Where the module is declared, for messages. */
  line: number;
}

export interface Config {
  file: string;
  host?: string;
  cacheMaxAge: number;
  modules: ModuleConfig[];
  /** Things that work but that the operator may want to change. */
  warnings: Problem[];
}

export type ParseResult = { ok: true; config: Config } | { ok: false; problems: Problem[] };

const TOP_KEYS = ['host', 'cache_max_age', 'paths'] as const;
const MODULE_KEYS = ['repo', 'vcs', 'display', 'subdir', 'description'] as const;
/** Whether a value may hold line breaks (only the description may). */
const ONE_LINE = false;
const MULTI_LINE = true;
const MAX_AGE_LIMIT = 31_536_000;

/** Parses and validates vanity.yaml text; `file` names it in every problem. */
export function parseConfig(text: string, file: string): ParseResult {
  const checker = new Checker(file);
  const root = checker.parse(text);
  if (!root) return { ok: false, problems: checker.problems };

  const config = checker.config(root);
  if (checker.problems.length > 0) return { ok: false, problems: inFileOrder(checker.problems) };
  return { ok: true, config };
}

/** Collects problems while it reads the tree, so that all are reported at once. */
class Checker {
  readonly problems: Problem[] = [];
  private readonly warnings: Problem[] = [];

  constructor(private readonly file: string) {}

  parse(text: string): YamlMap | null {
    let root: YamlNode | null;
    try {
      root = parseYamlTree(text);
    } catch (err) {
      if (!(err instanceof YamlSyntaxError)) throw err;
      this.report(err.pos, '', `YAML syntax error: ${err.reason}`);
      return null;
    }

    if (!root || isNull(root)) {
      this.report({ line: 1, column: 1 }, '', 'the file is empty; add a "paths:" mapping');
      return null;
    }
    if (root.kind !== 'map') {
      this.report(root.pos, '', 'expected a mapping with "host" and "paths" keys');
      return null;
    }
    return root;
  }

  config(root: YamlMap): Config {
    const fields = this.fields(root, '', TOP_KEYS);
    const host = this.host(fields.get('host'));
    const cacheMaxAge = this.cacheMaxAge(fields.get('cache_max_age'));
    const modules = this.modules(fields.get('paths'), root.pos);
    for (const warning of [...nestedRepoWarnings(modules), ...caseWarnings(modules)]) {
      this.warnings.push(
        this.problem({ line: warning.line, column: 3 }, warning.key, warning.text),
      );
    }
    return { file: this.file, host, cacheMaxAge, modules, warnings: this.warnings };
  }

  /** The known keys of a mapping; unknown and duplicate keys are reported. */
  private fields(map: YamlMap, prefix: string, known: readonly string[]): Map<string, YamlNode> {
    const found = new Map<string, YamlNode>();
    for (const { key, value } of map.entries) {
      const name = key.kind === 'scalar' ? key.value : '';
      const keyPath = prefix ? `${prefix}.${name}` : name;
      if (!known.includes(name)) {
        const guess = nearest(name, known);
        const hint = guess ? `did you mean "${guess}"?` : `known keys: ${known.join(', ')}`;
        this.report(key.pos, keyPath, `unknown key "${name}"; ${hint}`);
      } else if (found.has(name)) {
        this.report(key.pos, keyPath, 'duplicate key; keep one of them');
      } else {
        found.set(name, value);
      }
    }
    return found;
  }

  private host(node: YamlNode | undefined): string | undefined {
    if (node === undefined || isNull(node)) return undefined;
    const text = this.string(node, 'host');
    if (text === undefined) return undefined;

    const bare = text.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    if (bare !== text) {
      this.report(node.pos, 'host', `write the bare domain name: host: ${bare}`);
    } else if (isVanityDomain(text.toLowerCase()) && text !== text.toLowerCase()) {
      this.report(node.pos, 'host', `write the domain in lower case: host: ${text.toLowerCase()}`);
    } else if (!isVanityDomain(text)) {
      this.report(
        node.pos,
        'host',
        `"${text}" is not a domain name with a dot and no port, such as go.example.org`,
      );
    }
    return text;
  }

  private cacheMaxAge(node: YamlNode | undefined): number {
    if (node === undefined || isNull(node)) return DEFAULT_CACHE_MAX_AGE;
    const text = node.kind === 'scalar' ? node.value.trim() : '';
    const seconds = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(seconds) || seconds > MAX_AGE_LIMIT) {
      this.report(
        node.pos,
        'cache_max_age',
        `expected whole seconds from 0 to ${MAX_AGE_LIMIT}, such as 86400 (one day)`,
      );
      return DEFAULT_CACHE_MAX_AGE;
    }
    return seconds;
  }

  private modules(node: YamlNode | undefined, rootPos: Position): ModuleConfig[] {
    if (node === undefined || isNull(node)) {
      const at = node?.pos ?? rootPos;
      this.report(at, 'paths', 'no modules: add "paths:" with one entry per module path');
      return [];
    }
    if (node.kind !== 'map') {
      this.report(node.pos, 'paths', 'expected a mapping of module paths, such as "/foo:"');
      return [];
    }
    if (node.entries.length === 0) {
      this.report(node.pos, 'paths', 'no modules: add one entry per module path');
    }

    const seen = new Map<string, number>();
    const modules: ModuleConfig[] = [];
    for (const entry of node.entries) {
      const module = this.module(entry.key, entry.value, seen);
      if (module) modules.push(module);
    }
    return modules;
  }

  private module(key: YamlNode, value: YamlNode, seen: Map<string, number>): ModuleConfig | null {
    const raw = key.kind === 'scalar' ? key.value : '';
    const keyPath = `paths.${raw}`;
    const { path, problem } = normaliseModulePath(raw);
    if (problem) this.report(key.pos, keyPath, problem);

    const earlier = seen.get(path);
    if (earlier !== undefined) {
      this.report(key.pos, keyPath, `same module path as line ${earlier}; keep one of them`);
    }
    seen.set(path, key.pos.line);

    if (value.kind !== 'map') {
      const hint =
        value.kind === 'scalar' && value.value ? `"repo: ${value.value}"` : '"repo: URL"';
      this.report(value.pos, keyPath, `expected a mapping; write ${hint} on the next line`);
      return null;
    }
    return this.moduleFields(value, keyPath, path, key.pos.line);
  }

  private moduleFields(map: YamlMap, keyPath: string, path: string, line: number) {
    const fields = this.fields(map, keyPath, MODULE_KEYS);
    const repoNode = fields.get('repo');
    if (!repoNode || isNull(repoNode)) {
      const example = 'the repository URL, such as https://github.com/org/name';
      if (repoNode) this.report(repoNode.pos, `${keyPath}.repo`, `no value: write ${example}`);
      else if (!hasTypoOf(map, 'repo')) this.report(map.pos, keyPath, `missing "repo": ${example}`);
      return null;
    }

    const repo = this.string(repoNode, `${keyPath}.repo`);
    const url = repo === undefined ? null : this.repoUrl(repo, repoNode, `${keyPath}.repo`);
    if (repo === undefined || !url) return null;

    const vcs = this.vcs(fields.get('vcs'), url, repoNode, keyPath);
    const subdir = this.subdir(fields.get('subdir'), keyPath);
    const display = this.display(fields.get('display'), url, repo, keyPath, repoNode.pos, subdir);
    const description = this.optionalString(
      fields.get('description'),
      `${keyPath}.description`,
      MULTI_LINE,
    );
    const module: ModuleConfig = { path, repo, vcs: vcs ?? 'git', display, line };
    if (subdir !== undefined) module.subdir = subdir;
    if (description !== undefined) module.description = description;
    return module;
  }

  private repoUrl(repo: string, node: YamlNode, keyPath: string): URL | null {
    const { url, problem } = checkRepoUrl(repo);
    if (problem) this.report(node.pos, keyPath, problem);
    return url;
  }

  private vcs(node: YamlNode | undefined, url: URL, repoNode: YamlNode, keyPath: string) {
    if (node === undefined || isNull(node)) {
      const inferred = inferVcs(url);
      if (!inferred) {
        this.report(
          repoNode.pos,
          `${keyPath}.vcs`,
          `cannot tell the VCS of ${url.host}; add "vcs:" (${VCS_NAMES.join(', ')})`,
        );
      }
      return inferred;
    }
    const text = this.string(node, `${keyPath}.vcs`);
    if (text === undefined) return null;
    if (!(VCS_NAMES as readonly string[]).includes(text)) {
      const guess = nearest(text, VCS_NAMES);
      const hint = guess ? `did you mean "${guess}"?` : `use one of ${VCS_NAMES.join(', ')}`;
      this.report(node.pos, `${keyPath}.vcs`, `unknown VCS "${text}"; ${hint}`);
      return null;
    }
    if (text === 'mod' && url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.report(node.pos, `${keyPath}.vcs`, 'vcs "mod" needs an https:// module proxy URL');
    }
    if (GOVCS_BLOCKED.includes(text)) {
      const hint = `users need GOVCS=${url.hostname}:${text} (the default allows only git and hg)`;
      this.warnings.push(this.problem(node.pos, `${keyPath}.vcs`, hint));
    }
    return text as Vcs;
  }

  private display(
    node: YamlNode | undefined,
    url: URL,
    repo: string,
    keyPath: string,
    repoPos: Position,
    subdir: string | undefined,
  ): string {
    const text = this.optionalString(node, `${keyPath}.display`);
    if (text === undefined) {
      if (!hasSourceLinks(url)) {
        const hint =
          'no source links for this forge; set display: "HOME DIR-TEMPLATE FILE-TEMPLATE"';
        this.warnings.push(this.problem(repoPos, `${keyPath}.display`, hint));
      }
      return inferDisplay(url, repo, subdir);
    }
    const fields = text.trim().split(/\s+/);
    const pos = node?.pos ?? repoPos;
    // Quote marks would land inside the go-source content attribute; "found 3" would not say so.
    if (text.includes('"')) {
      this.report(pos, `${keyPath}.display`, 'remove the quote marks inside the three fields');
    } else if (fields.length !== 3) {
      this.report(
        pos,
        `${keyPath}.display`,
        `expected three fields, "HOME DIR-TEMPLATE FILE-TEMPLATE", found ${fields.length}`,
      );
    }
    return fields.join(' ');
  }

  private subdir(node: YamlNode | undefined, keyPath: string): string | undefined {
    const text = this.optionalString(node, `${keyPath}.subdir`);
    if (text === undefined || !node) return undefined;
    const problem = text
      .split('/')
      .map((element) => moduleElementProblem(element))
      .find((p) => p !== null);
    if (problem) {
      this.report(
        node.pos,
        `${keyPath}.subdir`,
        `${problem}; write a relative folder, such as "go"`,
      );
    }
    return text;
  }

  private optionalString(
    node: YamlNode | undefined,
    keyPath: string,
    multiLine = ONE_LINE,
  ): string | undefined {
    if (node === undefined || isNull(node)) return undefined;
    return this.string(node, keyPath, multiLine);
  }

  private string(node: YamlNode, keyPath: string, multiLine = ONE_LINE): string | undefined {
    if (node.kind !== 'scalar' || node.value === '') {
      this.report(node.pos, keyPath, 'expected a text value');
      return undefined;
    }
    const bad = controlCharacter(node.value, multiLine);
    if (bad !== undefined) {
      const code = `U+${bad.toString(16).toUpperCase().padStart(4, '0')}`;
      const what = bad === 10 ? 'a line break' : `the control character ${code}`;
      this.report(node.pos, keyPath, `remove ${what}: write the value on one line`);
      return undefined;
    }
    return node.value;
  }

  private report(pos: Position, key: string, message: string): void {
    this.problems.push(this.problem(pos, key, message));
  }

  private problem(pos: Position, key: string, message: string): Problem {
    return { file: this.file, line: pos.line, column: pos.column, key, message };
  }
}

/** True when a key of `map` was reported as a typo of `key`: one message says enough. */
function hasTypoOf(map: YamlMap, key: string): boolean {
  return map.entries.some(
    (entry) => entry.key.kind === 'scalar' && nearest(entry.key.value, MODULE_KEYS) === key,
  );
}

function isNull(node: YamlNode): boolean {
  return (
    node.kind === 'scalar' && node.plain && ['', '~', 'null', 'Null', 'NULL'].includes(node.value)
  );
}

function inFileOrder(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
