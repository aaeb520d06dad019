// A small logger: one line per event, `time level event key=value ...` or one JSON object.
import type { Writable } from 'node:stream';

export type Fields = Record<string, string | number | boolean | undefined>;

/** `text` for people and grep; `json` for log collectors (one object a line). */
export type LogFormat = 'text' | 'json';
const FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface Logger {
  info(event: string, fields?: Fields): void;
  warn(event: string, fields?: Fields): void;
  error(event: string, fields?: Fields): void;
  /** One line per request; silent when request logging is off. */
  request(fields: Fields): void;
  /** False when request lines go nowhere, so callers can skip gathering them. */
  readonly logsRequests: boolean;
}

export interface LoggerOptions {
  /** Where info lines go (default stdout); warnings and errors go to `errors`. */
  out?: Writable;
  errors?: Writable;
  /** Turns request lines off; start-up lines, warnings and errors stay. */
  quiet?: boolean;
  /** `text` (the default) or `json`. */
  format?: LogFormat;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.out ?? process.stdout;
  const errors = options.errors ?? process.stderr;
  const line = lineFormatter(options.format ?? 'text');
  const broken = new Set<Writable>();
  for (const stream of new Set([out, errors])) {
    // A reader that goes away (`vanity serve | head`) must not take the server down.
    stream.on('error', () => broken.add(stream));
  }
  const write = (stream: Writable, level: string, event: string, fields: Fields = {}) => {
    if (broken.has(stream)) return;
    stream.write(line(new Date().toISOString(), level, event, fields));
  };

  return {
    info: (event, fields) => write(out, 'info', event, fields),
    warn: (event, fields) => write(errors, 'warn', event, fields),
    error: (event, fields) => write(errors, 'error', event, fields),
    request: (fields) => {
      if (!options.quiet) write(out, 'info', 'request', fields);
    },
    logsRequests: !options.quiet,
  };
}

/** A logger that writes nothing, for library users and tests. */
export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  request: () => undefined,
  logsRequests: false,
};

type LineFormatter = (time: string, level: string, event: string, fields: Fields) => string;

function lineFormatter(format: LogFormat): LineFormatter {
  if (!FORMATS.includes(format)) {
    throw new Error(`log format "${String(format)}" is unknown; use ${FORMATS.join(' or ')}`);
  }
  return format === 'json' ? jsonLine : textLine;
}

function textLine(time: string, level: string, event: string, fields: Fields): string {
  return `${time} ${level} ${event}${formatFields(fields)}\n`;
}

const FIXED_KEYS = ['time', 'level', 'event'];

/**
 * One JSON object a line. JSON.stringify escapes quotes and control characters,
 * so no value can end the line early; time, level and event come first and no
 * field can replace them. Object.fromEntries keeps a key like `__proto__` as data.
 */
function jsonLine(time: string, level: string, event: string, fields: Fields): string {
  const rest = Object.entries(fields).filter(
    ([key, value]) => value !== undefined && !FIXED_KEYS.includes(key),
  );
  const record = Object.fromEntries([['time', time], ['level', level], ['event', event], ...rest]);
  return `${JSON.stringify(record)}\n`;
}

function formatFields(fields: Fields): string {
  let line = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    line += ` ${key}=${formatValue(String(value))}`;
  }
  return line;
}

/** Quotes a value with spaces, quotes or control characters, so one event stays one line. */
function formatValue(value: string): string {
  return /^[\x21-\x7e]*$/.test(value) && !value.includes('"') && value !== ''
    ? value
    : JSON.stringify(value);
}
