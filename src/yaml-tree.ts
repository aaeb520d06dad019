// YAML text to a small tree whose every node remembers its line and column.
//
// js-yaml's load() gives values without positions; its event stream gives
// offsets. We build our own tree from the events so that every config problem
// can point at the exact line, and so that keys such as `__proto__` stay plain
// data instead of touching object internals.
import { EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents } from 'js-yaml';
import type { Event } from 'js-yaml';

export interface Position {
  line: number; // 1-based
  column: number; // 1-based
}

export interface YamlScalar {
  kind: 'scalar';
  value: string;
  /** A plain (unquoted) scalar; only plain `~`, `null` and empty mean null. */
  plain: boolean;
  pos: Position;
}

export interface YamlEntry {
  key: YamlNode;
  value: YamlNode;
}

export interface YamlMap {
  kind: 'map';
  entries: YamlEntry[];
  pos: Position;
}

export interface YamlSeq {
  kind: 'seq';
  items: YamlNode[];
  pos: Position;
}

export type YamlNode = YamlScalar | YamlMap | YamlSeq;

/** A YAML syntax error, with the position the parser stopped at. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: Position,
  ) {
    super(reason);
  }
}

/** Parses one YAML document; null when the text holds no document content. */
export function parseYamlTree(text: string): YamlNode | null {
  const events = readEvents(text);
  const toPosition = positionFinder(text);
  const builder = new TreeBuilder(text, toPosition);

  let documents = 0;
  let root: YamlNode | null = null;
  for (const [index, event] of events.entries()) {
    if (event.type === EVENT_ID.DOCUMENT) {
      documents += 1;
      if (documents > 1) throw secondDocumentError(text, events.slice(index), toPosition);
      continue;
    }
    const done = builder.add(event);
    if (done) root = done;
  }
  return root;
}

/**
 * Document events carry no offset, so the error points at the last "---" or
 * "..." line before the second document's first node: the line to remove.
 */
function secondDocumentError(
  text: string,
  rest: Event[],
  toPosition: (offset: number) => Position,
): YamlSyntaxError {
  const end = rest.map(eventOffset).find((offset) => offset >= 0) ?? text.length;
  let marker = { offset: 0, text: '---' };
  for (const match of text.slice(0, end).matchAll(/^(?:---|\.\.\.)(?=\s|$)/gm)) {
    marker = { offset: match.index, text: match[0] };
  }
  const reason = `only one YAML document is allowed (remove this "${marker.text}")`;
  return new YamlSyntaxError(reason, toPosition(marker.offset));
}

/** Where an event's text starts, or -1 when it has none (documents, pops, empty scalars). */
function eventOffset(event: Event): number {
  switch (event.type) {
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return event.start;
    case EVENT_ID.SCALAR:
      return event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart;
    default:
      return -1;
  }
}

function readEvents(text: string): Event[] {
  try {
    return parseEvents(text, { maxDepth: 20 });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (err as { reason?: string }).reason ?? String(err);
    const pos = mark ? { line: mark.line + 1, column: mark.column + 1 } : { line: 1, column: 1 };
    throw new YamlSyntaxError(reason, pos);
  }
}

/** Maps a character offset to a 1-based line and column. */
function positionFinder(text: string): (offset: number) => Position {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  }

  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

type Open = YamlMap | YamlSeq;

/** Assembles nodes from the flat event stream, resolving aliases to their anchors. */
class TreeBuilder {
  private readonly stack: Open[] = [];
  private readonly pendingKeys: (YamlNode | null)[] = [];
  private readonly anchors = new Map<string, YamlNode>();

  constructor(
    private readonly text: string,
    private readonly toPosition: (offset: number) => Position,
  ) {}

  /** Feeds one event; returns the root node once it is complete. */
  add(event: Event): YamlNode | null {
    switch (event.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const pos = this.toPosition(event.start);
        const node: Open =
          event.type === EVENT_ID.MAPPING
            ? { kind: 'map', entries: [], pos }
            : { kind: 'seq', items: [], pos };
        this.remember(event.anchorStart, event.anchorEnd, node);
        this.stack.push(node);
        this.pendingKeys.push(null);
        return null;
      }
      case EVENT_ID.SCALAR: {
        const node: YamlScalar = {
          kind: 'scalar',
          value: getScalarValue(this.text, event),
          plain: event.style === SCALAR_STYLE.PLAIN && event.tagStart === -1,
          pos: event.valueStart >= 0 ? this.toPosition(event.valueStart) : this.emptyPosition(),
        };
        this.remember(event.anchorStart, event.anchorEnd, node);
        return this.attach(node);
      }
      case EVENT_ID.ALIAS: {
        const name = this.text.slice(event.anchorStart, event.anchorEnd);
        const target = this.anchors.get(name);
        if (!target) {
          throw new YamlSyntaxError(`unknown alias *${name}`, this.toPosition(event.anchorStart));
        }
        return this.attach(target);
      }
      case EVENT_ID.POP: {
        const node = this.stack.pop();
        this.pendingKeys.pop();
        return node ? this.attach(node) : null;
      }
      default:
        return null;
    }
  }

  /**
   * An empty scalar (`key:` with nothing after it) has no offset of its own;
   * pointing at its key, or else its collection, keeps problems on the right line.
   */
  private emptyPosition(): Position {
    const key = this.pendingKeys[this.pendingKeys.length - 1];
    return key?.pos ?? this.stack[this.stack.length - 1]?.pos ?? { line: 1, column: 1 };
  }

  private remember(start: number, end: number, node: YamlNode): void {
    if (start >= 0) this.anchors.set(this.text.slice(start, end), node);
  }

  /** Puts a finished node into its parent; returns it when it has no parent. */
  private attach(node: YamlNode): YamlNode | null {
    const parent = this.stack[this.stack.length - 1];
    if (!parent) return node;
    if (parent.kind === 'seq') {
      parent.items.push(node);
      return null;
    }

    const depth = this.pendingKeys.length - 1;
    const key = this.pendingKeys[depth];
    if (key === null || key === undefined) {
      this.pendingKeys[depth] = node;
    } else {
      parent.entries.push({ key, value: node });
      this.pendingKeys[depth] = null;
    }
    return null;
  }
}
