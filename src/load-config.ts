// Reads a vanity.yaml from disk and parses it; the only file I/O of the config layer.
import { readFile } from 'node:fs/promises';
import { parseConfig } from './config.js';
import type { Config } from './config.js';
import { ConfigError } from './problems.js';

/** Reads and validates a config file; throws ConfigError naming the file on any problem. */
export async function loadConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`;
    throw new ConfigError([{ file, line: 1, column: 1, key: '', message: reason }]);
  }

  const result = parseConfig(text, file);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}
