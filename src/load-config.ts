// Reads a vanity.yaml from disk and parses it; the only file I/O of the config layer.
import { readFile } from 'node:fs/promises';
import { parseConfig } from './config.js';
import type { Config } from './config.js';
import { ConfigError } from './problems.js';

/** Reads and validates a config file; throws ConfigError naming the file on any problem. */
export async function loadConfigFile(file: string): Promise<Config> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`;
    throw new ConfigError([{ file, line: 1, column: 1, key: '', message: reason }]);
  }

  const text = decodeUtf8(bytes, file);
  const result = parseConfig(text, file);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

/** The text of a UTF-8 file; a bad byte is named by its line rather than silently replaced. */
function decodeUtf8(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const good = new TextDecoder('utf-8').decode(bytes).split('\uFFFD')[0] ?? '';
    const line = good.split('\n').length;
    const message = 'not valid UTF-8: save the file as UTF-8';
    throw new ConfigError([{ file, line, column: 1, key: '', message }]);
  }
}
