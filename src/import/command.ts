// vanity import: another vanity server's config to a vanity.yaml, each thing left out reported.
//
// Exit codes: 0 all carried over, 1 something left out (the output is still
// written) or nothing to write, 2 a usage error or an input that cannot be read.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { formatProblem } from '../problems.js';
import type { Problem } from '../problems.js';
import { readInput } from './input.js';
import type { ImportFormat } from './input.js';
import { InputError } from './model.js';
import type { Imported } from './model.js';
import { toVanityYaml } from './output.js';
import { convertSally } from './sally.js';
import { convertVangen } from './vangen.js';

export { IMPORT_FORMATS } from './input.js';

export interface ImportOptions {
  from?: ImportFormat;
  out?: string;
  force?: boolean;
}

/** Runs the command and prints its report; returns the exit code. */
export async function runImport(file: string, options: ImportOptions): Promise<number> {
  const usage = usageProblem(options);
  if (usage) {
    console.error(`vanity: ${usage}`);
    return 2;
  }

  let imported: Imported;
  try {
    const input = await readInput(file, options.from);
    const convert = input.format === 'sally' ? convertSally : convertVangen;
    imported = convert(input.root, file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    console.error(err.message);
    console.error(`vanity: cannot import ${file}; nothing written`);
    return 2;
  }

  const output = toVanityYaml(imported, file, options.out ?? 'vanity.yaml');
  printLeftOut(imported.left);
  if (!output.ok) return nothingWritten(file, imported, output.problems);

  const written = await write(output.text, options);
  if (written !== 0) return written;
  return summary(file, imported, options.out);
}

/** --force only means something with --out; an existing --out is kept unless forced. */
function usageProblem(options: ImportOptions): string | undefined {
  if (options.force && !options.out) return '--force only works with --out FILE';
  if (options.out && !options.force && existsSync(options.out)) {
    return `${options.out} exists; pass --force to replace it, or choose another --out`;
  }
  return undefined;
}

function printLeftOut(left: Problem[]): void {
  for (const problem of left) console.error(formatProblem(problem));
}

/** Nothing valid came out (no module could be carried over): say why, write nothing. */
function nothingWritten(file: string, imported: Imported, problems: Problem[]): number {
  if (imported.modules.length > 0) {
    for (const problem of problems) console.error(formatProblem(problem));
  }
  console.error(`vanity: no module of ${file} could be carried over; nothing written`);
  return 1;
}

/** The text to stdout, or to --out (created only when absent, unless --force). */
async function write(text: string, options: ImportOptions): Promise<number> {
  if (!options.out) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(options.out, text, { flag: options.force ? 'w' : 'wx' });
    return 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    // Created between the check and the write: the same refusal as before.
    if (code === 'EEXIST') {
      console.error(`vanity: ${options.out} exists; pass --force to replace it`);
      return 2;
    }
    console.error(`vanity: cannot write ${options.out} (${code}); nothing written`);
    return 1;
  }
}

/** 0 when everything was carried over; else 1, with a count after the lines above. */
function summary(file: string, imported: Imported, out: string | undefined): number {
  const count = imported.modules.length;
  if (out) console.log(`${file}: wrote ${out}: ${count} module${count === 1 ? '' : 's'}`);
  const left = imported.left.length;
  if (left === 0) return 0;
  const things = left === 1 ? 'thing was' : 'things were';
  console.error(`vanity: ${left} ${things} not carried over from ${file}; see the lines above`);
  return 1;
}
