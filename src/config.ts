// vanity.yaml text to a validated Config, or every problem in it at once.
//
// The format is govanityurls' (host, cache_max_age, paths with repo, vcs and
// display), unchanged, plus `docs` at the top and, per module, `subdir`,
// `description`, `branch`, `docs_url`, `hidden` and wildcard paths (`/*`).
// Parsing takes a string; reading the file is the loader's job (load-config.ts).
import { isVanityDomain } from './module-path.js';
import { caseWarnings, nestedRepoWarnings } from './config-warnings.js';
import { ConfigChecker, isNull } from './config-checker.js';
import { EntryReader } from './config-module.js';
import type { ModuleConfig, WildcardConfig } from './config-module.js';
import { checkDocsUrl, DEFAULT_DOCS, docsBase } from './docs.js';
import type { Problem } from './problems.js';
import { parseYamlTree, YamlSyntaxError } from './yaml-tree.js';
import type { Position, YamlMap, YamlNode } from './yaml-tree.js';

export type { ModuleConfig, WildcardConfig } from './config-module.js';

export const DEFAULT_CACHE_MAX_AGE = 86_400;

export interface Config {
  file: string;
  host?: string;
  cacheMaxAge: number;
  /** The docs site that browsers are sent to, ending in "/"; parseConfig sets it. */
  docs?: string;
  modules: ModuleConfig[];
  /** Paths such as `/*`, answering for any first element below them; none when absent. */
  wildcards?: WildcardConfig[];
  /** Things that work but that the operator may want to change. */
  warnings: Problem[];
}

export type ParseResult = { ok: true; config: Config } | { ok: false; problems: Problem[] };

const TOP_KEYS = ['host', 'cache_max_age', 'docs', 'paths'] as const;
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

/** The top level of the file; entries under `paths` are EntryReader's. */
class Checker extends ConfigChecker {
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
    const docs = this.docs(fields.get('docs'));
    const { modules, wildcards } = this.entries(fields.get('paths'), root.pos);
    const nested = nestedRepoWarnings(modules, wildcards);
    for (const warning of [...nested, ...caseWarnings(modules)]) {
      this.warn({ line: warning.line, column: 3 }, warning.key, warning.text);
    }
    const config = { file: this.file, cacheMaxAge, docs, modules, wildcards };
    return { ...config, ...(host === undefined ? {} : { host }), warnings: this.warnings };
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

  private docs(node: YamlNode | undefined): string {
    const text = this.optionalString(node, 'docs');
    if (text === undefined || !node) return DEFAULT_DOCS;
    const { problem } = checkDocsUrl(text);
    if (problem) this.report(node.pos, 'docs', problem);
    return docsBase(text);
  }

  private entries(node: YamlNode | undefined, rootPos: Position) {
    const modules: ModuleConfig[] = [];
    const wildcards: WildcardConfig[] = [];
    if (node === undefined || isNull(node)) {
      const at = node?.pos ?? rootPos;
      this.report(at, 'paths', 'no modules: add "paths:" with one entry per module path');
      return { modules, wildcards };
    }
    if (node.kind !== 'map') {
      this.report(node.pos, 'paths', 'expected a mapping of module paths, such as "/foo:"');
      return { modules, wildcards };
    }
    if (node.entries.length === 0) {
      this.report(node.pos, 'paths', 'no modules: add one entry per module path');
    }

    const reader = new EntryReader(this);
    for (const { key, value } of node.entries) {
      const entry = reader.entry(key, value);
      if (entry && 'module' in entry) modules.push(entry.module);
      if (entry && 'wildcard' in entry) wildcards.push(entry.wildcard);
    }
    return { modules, wildcards };
  }
}

function inFileOrder(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
