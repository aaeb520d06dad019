// Reads values out of positioned YAML nodes and collects every problem, so that all are
// reported at once, each with its file, line, column and key.
import { nearest } from './problems.js';
import type { Problem } from './problems.js';
import { controlCharacter } from './config-values.js';
import type { Position, YamlMap, YamlNode } from './yaml-tree.js';

/** Whether a value may hold line breaks (only the description may). */
export const ONE_LINE = false;
export const MULTI_LINE = true;

export class ConfigChecker {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];

  constructor(readonly file: string) {}

  /** The known keys of a mapping; unknown and duplicate keys are reported. */
  fields(map: YamlMap, prefix: string, known: readonly string[]): Map<string, YamlNode> {
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

  optionalString(
    node: YamlNode | undefined,
    keyPath: string,
    multiLine = ONE_LINE,
  ): string | undefined {
    if (node === undefined || isNull(node)) return undefined;
    return this.string(node, keyPath, multiLine);
  }

  string(node: YamlNode, keyPath: string, multiLine = ONE_LINE): string | undefined {
    if (node.kind !== 'scalar') {
      this.report(node.pos, keyPath, 'expected a text value');
      return undefined;
    }
    if (node.value === '') {
      this.report(node.pos, keyPath, 'empty text: write a value, or remove the key');
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

  /** true or false, as YAML writes them; undefined when absent. */
  optionalBoolean(node: YamlNode | undefined, keyPath: string): boolean | undefined {
    if (node === undefined || isNull(node)) return undefined;
    const text = node.kind === 'scalar' && node.plain ? node.value : '';
    if (/^(true|True|TRUE)$/.test(text)) return true;
    if (/^(false|False|FALSE)$/.test(text)) return false;
    this.report(node.pos, keyPath, 'expected true or false, without quotes');
    return undefined;
  }

  report(pos: Position, key: string, message: string): void {
    this.problems.push(this.problem(pos, key, message));
  }

  warn(pos: Position, key: string, message: string): void {
    this.warnings.push(this.problem(pos, key, message));
  }

  problem(pos: Position, key: string, message: string): Problem {
    return { file: this.file, line: pos.line, column: pos.column, key, message };
  }
}

export function isNull(node: YamlNode): boolean {
  return (
    node.kind === 'scalar' && node.plain && ['', '~', 'null', 'Null', 'NULL'].includes(node.value)
  );
}
