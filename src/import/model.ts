// What an import yields: vanity.yaml values that remember their input key, and what was left out.
import { isNull } from '../config-checker.js';
import { inferVcs } from '../forge.js';
import { nearest } from '../problems.js';
import type { Problem } from '../problems.js';
import type { Position, YamlMap, YamlNode } from '../yaml-tree.js';

/** Where a value was read in the input file, so that a report can point at it. */
export interface Origin {
  /** The input's key path, such as `packages.zap.url` or `repositories[0].subs`. */
  key: string;
  pos: Position;
}

export interface Carried<T extends string | boolean = string | boolean> {
  value: T;
  from: Origin;
}

/** The module keys an import can fill, in the order the README documents them. */
export const MODULE_FIELDS = [
  'repo',
  'vcs',
  'display',
  'description',
  'branch',
  'docs_url',
  'hidden',
] as const;
export type ModuleField = (typeof MODULE_FIELDS)[number];

export interface ImportedModule {
  /** The module path below the host, such as "/zap", or "/" for the domain root. */
  path: string;
  from: Origin;
  fields: Partial<Record<ModuleField, Carried>>;
}

export interface Imported {
  host?: Carried<string>;
  docs?: Carried<string>;
  modules: ImportedModule[];
  /** One line for each thing the input says that the output does not. */
  left: Problem[];
}

/** A report line about `from` in the input file, as file:line:col: key: message. */
export function problemAt(file: string, from: Origin, message: string): Problem {
  return { file, line: from.pos.line, column: from.pos.column, key: from.key, message };
}

/** The input cannot be read as its format: exit 2, with the place when known. */
export class InputError extends Error {}

/** Collects what was left out while a converter walks the input. */
export class Leftovers {
  readonly left: Problem[] = [];

  /** `format` names the input's format in messages: "sally" or "vangen". */
  constructor(
    readonly file: string,
    readonly format: string,
  ) {}

  add(from: Origin, message: string): void {
    this.left.push(problemAt(this.file, from, message));
  }

  /** An InputError at `from`, in the file:line:col form every report uses. */
  error(from: Origin, message: string): InputError {
    const where = `${this.file}:${from.pos.line}:${from.pos.column}`;
    return new InputError(from.key ? `${where}: ${from.key}: ${message}` : `${where}: ${message}`);
  }
}

export interface Entry {
  name: string;
  from: Origin;
  value: YamlNode;
}

/**
 * The entries of a mapping, keyed by their name as `known` spells it. Unknown
 * keys are reported as left out; `foldCase` matches as Go's encoding/json does.
 */
export function readKeys(
  map: YamlMap,
  prefix: string,
  known: readonly string[],
  leftovers: Leftovers,
  foldCase = false,
): Map<string, Entry> {
  const found = new Map<string, Entry>();
  for (const { key, value } of map.entries) {
    const raw = key.kind === 'scalar' ? key.value : '';
    const name = known.find(
      (k) => k === raw || (foldCase && k.toLowerCase() === raw.toLowerCase()),
    );
    const from = { key: prefix ? `${prefix}.${name ?? raw}` : (name ?? raw), pos: keyPos(key) };

    if (name === undefined) {
      const guess = nearest(raw, known);
      const format = leftovers.format;
      const hint = guess ? `did you mean "${guess}"?` : `${format} knows ${known.join(', ')}`;
      leftovers.add(from, `not a ${format} key (${format} ignored it too): left out; ${hint}`);
    } else if (found.has(name)) {
      throw leftovers.error(from, 'duplicate key; keep one of them');
    } else if (!isNull(value)) {
      found.set(name, { name, from, value });
    }
  }
  return found;
}

/** A scalar's text; anything else is a shape the source server would refuse too. */
export function textOf(entry: Entry, leftovers: Leftovers): string {
  if (entry.value.kind !== 'scalar') throw leftovers.error(entry.from, 'expected a text value');
  return entry.value.value;
}

/** A mapping, or an InputError naming the key. */
export function mapOf(entry: Entry, leftovers: Leftovers): YamlMap {
  if (entry.value.kind !== 'map') throw leftovers.error(entry.from, 'expected a mapping');
  return entry.value;
}

/** true or false, unquoted, as JSON and YAML write them. */
export function flagOf(entry: Entry, leftovers: Leftovers): boolean {
  const node = entry.value;
  const text = node.kind === 'scalar' && node.plain ? node.value : '';
  if (text === 'true' || text === 'false') return text === 'true';
  throw leftovers.error(entry.from, 'expected true or false');
}

/** Carries a value with the origin of the entry it came from. */
export function carry<T extends string | boolean>(value: T, entry: Entry): Carried<T> {
  return { value, from: entry.from };
}

/** The VCS our config infers for a repo URL, so that an equal `vcs:` can be left implied. */
export function impliedVcs(repo: string): string | null {
  try {
    return inferVcs(new URL(repo));
  } catch {
    return null;
  }
}

/** A vanity base such as "go.uber.org" or "example.com/go": the host and a path prefix. */
export interface Base {
  host: string;
  /** "" or a path such as "/go" that every module path starts with. */
  prefix: string;
}

/** Reads a base written with or without a scheme and trailing slash. */
export function baseOf(text: string): Base | undefined {
  const bare = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = bare.indexOf('/');
  const host = (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
  if (!host) return undefined;
  return { host, prefix: joinPath(slash < 0 ? '' : bare.slice(slash), '').replace(/^\/$/, '') };
}

/** A module path from a prefix and a name: "/" + the non-empty parts, "/" when both are. */
export function joinPath(prefix: string, name: string): string {
  const parts = [prefix, name].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return `/${parts.join('/')}`;
}

/** The `docs:` value for a docs host; undefined for pkg.go.dev, which is the default. */
export function docsFor(host: string): string | undefined {
  const bare = host
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  if (!bare || bare.toLowerCase() === 'pkg.go.dev') return undefined;
  return `https://${bare}/`;
}

/** Where a key starts: a quoted key's position is inside its opening quote mark. */
export function keyPos(key: YamlNode): Position {
  const quoted = key.kind === 'scalar' && !key.plain && key.pos.column > 1;
  return quoted ? { line: key.pos.line, column: key.pos.column - 1 } : key.pos;
}
