// Reads the file to import: UTF-8 text, parsed with positions, its format told from its keys.
import { readFile } from 'node:fs/promises';
import { parseYamlTree, YamlSyntaxError } from '../yaml-tree.js';
import type { Position, YamlMap } from '../yaml-tree.js';
import { InputError } from './model.js';

export const IMPORT_FORMATS = ['sally', 'vangen'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface Input {
  format: ImportFormat;
  root: YamlMap;
}

/** Keys only one format has, compared in lower case (vangen's JSON keys ignore case). */
const SIGNS: Record<ImportFormat, string[]> = {
  sally: ['packages', 'url', 'godoc', 'godocserver'],
  vangen: ['repositories', 'domain', 'docsdomain'],
};

/** The parsed input; InputError (exit 2) when it cannot be read or parsed. */
export async function readInput(file: string, from?: ImportFormat): Promise<Input> {
  const text = decode(await readBytes(file), file);
  const json = from === 'vangen' || (from === undefined && text.trimStart().startsWith('{'));
  if (json) checkJson(text, file);

  let root;
  try {
    root = parseYamlTree(text);
  } catch (err) {
    if (!(err instanceof YamlSyntaxError)) throw err;
    throw new InputError(`${at(file, err.pos)}: not valid YAML: ${err.reason}`);
  }
  if (!root) throw new InputError(`${file}: the file is empty; is this the right file?`);
  if (root.kind !== 'map') {
    throw new InputError(
      `${at(file, root.pos)}: expected a mapping of keys; is it the right file?`,
    );
  }
  return { format: from ?? formatOf(root, file), root };
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`;
    throw new InputError(`${file}: ${reason}`);
  }
}

/** UTF-8 text; a bad byte is named by its line, as both source servers would refuse it. */
function decode(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const good = new TextDecoder('utf-8').decode(bytes).split('\uFFFD')[0] ?? '';
    const line = good.split('\n').length;
    throw new InputError(`${file}:${line}: not valid UTF-8: save the file as UTF-8`);
  }
}

/**
 * vangen reads strict JSON, which YAML would mostly accept too: JSON.parse
 * decides, and the place of its error is found when its message omits it.
 */
function checkJson(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const reason = message
      .replace(/ in JSON at position [0-9]+.*$/s, '')
      .replace(/, (\.\.\.)?".*$/s, '');
    const offset = jsonErrorOffset(text, message);
    throw new InputError(`${at(file, positionOf(text, offset))}: not valid JSON: ${reason}`);
  }
}

/**
 * The offset of a JSON error. Without "at position N", the shortest prefix
 * that fails before its end is found by bisection: a prefix fails there
 * exactly when it holds the first error, so the error is its last character.
 */
function jsonErrorOffset(text: string, message: string): number {
  const stated = / at position ([0-9]+)/.exec(message);
  if (stated) return Number(stated[1]);

  let low = 1;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (failsInside(text.slice(0, mid))) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}

/** True when JSON.parse fails on `prefix` before reaching its end. */
function failsInside(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (err) {
    const message = (err as Error).message;
    const stated = / at position ([0-9]+)/.exec(message);
    if (stated) return Number(stated[1]) < prefix.length;
    return !message.includes('end of JSON input');
  }
}

function positionOf(text: string, offset: number): Position {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1] ?? '').length + 1 };
}

function at(file: string, pos: Position | undefined): string {
  return pos ? `${file}:${pos.line}:${pos.column}` : file;
}

/** sally or vangen, from the keys at the top; our own format is named as such. */
function formatOf(root: YamlMap, file: string): ImportFormat {
  const keys = root.entries.map(({ key }) => (key.kind === 'scalar' ? key.value : ''));
  const lower = keys.map((key) => key.toLowerCase());
  const format = IMPORT_FORMATS.find((name) => SIGNS[name].some((key) => lower.includes(key)));
  if (format) return format;

  if (keys.includes('paths')) {
    throw new InputError(`${file}: this is a vanity.yaml already; run "vanity check" on it`);
  }
  throw new InputError(
    `${file}: neither a sally.yaml (url, packages) nor a vangen.json (domain, repositories); ` +
      'pass --from sally or --from vangen',
  );
}
