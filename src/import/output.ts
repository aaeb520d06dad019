// Imported values to vanity.yaml text that our own validator accepts, leaving out what it refuses.
import { dump } from 'js-yaml';
import { parseConfig } from '../config.js';
import type { Problem } from '../problems.js';
import { MODULE_FIELDS, problemAt } from './model.js';
import type { Imported, ImportedModule, ModuleField, Origin } from './model.js';

export type Output = { ok: true; text: string } | { ok: false; problems: Problem[] };

/** Left out whole when refused: a module without its repo or VCS would answer wrongly. */
const ESSENTIAL: readonly ModuleField[] = ['repo', 'vcs'];

/**
 * The vanity.yaml text for `imported`, checked by parseConfig. Whatever it
 * refuses is left out and reported against its input key (appended to
 * `imported.left`); `file` names the input, `outName` the output in problems.
 */
export function toVanityYaml(imported: Imported, file: string, outName: string): Output {
  const leave = (from: Origin, message: string) =>
    imported.left.push(problemAt(file, from, message));
  dropDuplicates(imported, leave);
  dropWildcards(imported, leave);

  // Each round leaves out at least one value, so this many rounds always end.
  const rounds = imported.modules.length * MODULE_FIELDS.length + 3;
  let problems: Problem[] = [];
  for (let round = 0; round < rounds; round++) {
    const text = render(imported);
    const result = parseConfig(text, outName);
    if (result.ok) return inInputOrder(imported, { ok: true, text });

    problems = result.problems;
    const changed = problems.map((problem) => leaveOut(problem, imported, leave));
    if (!changed.includes(true)) break;
  }
  return inInputOrder(imported, { ok: false, problems });
}

/** Sorts what was left out by line, so that the lines can be worked through from the top. */
function inInputOrder(imported: Imported, output: Output): Output {
  imported.left.sort((a, b) => a.line - b.line || a.column - b.column);
  return output;
}

/** Two names can make one module path ("zap" and "zap/"): the first is kept. */
function dropDuplicates(imported: Imported, leave: (from: Origin, message: string) => void) {
  const first = new Map<string, ImportedModule>();
  imported.modules = imported.modules.filter((module) => {
    const earlier = first.get(module.path);
    if (!earlier) first.set(module.path, module);
    else leave(module.from, `same module path as ${earlier.from.key}: left out; keep one`);
    return !earlier;
  });
}

/** A "*" in a name would make a vanity.yaml wildcard, which neither source format has. */
function dropWildcards(imported: Imported, leave: (from: Origin, message: string) => void) {
  imported.modules = imported.modules.filter((module) => {
    const star = module.path.includes('*');
    if (star) {
      leave(module.from, 'a "*" here would serve every name as a wildcard: left out; rename it');
    }
    return !star;
  });
}

const HEADER = '# Written by "vanity import". Run "vanity check" to see what it serves.\n';

function render(imported: Imported): string {
  const doc: Record<string, unknown> = {};
  if (imported.host) doc.host = imported.host.value;
  if (imported.docs) doc.docs = imported.docs.value;
  doc.paths = Object.fromEntries(imported.modules.map((m) => [m.path, fieldsOf(m)]));
  return HEADER + dump(doc, { lineWidth: -1 });
}

function fieldsOf(module: ImportedModule): Record<string, string | boolean> {
  const fields: Record<string, string | boolean> = {};
  for (const name of MODULE_FIELDS) {
    const carried = module.fields[name];
    if (carried !== undefined) fields[name] = carried.value;
  }
  return fields;
}

/** Leaves out what one problem is about; false when it is about nothing we wrote. */
function leaveOut(
  problem: Problem,
  imported: Imported,
  leave: (from: Origin, message: string) => void,
): boolean {
  const refused = `vanity.yaml would refuse it (${problem.message})`;
  const top = problem.key === 'host' || problem.key === 'docs' ? problem.key : undefined;
  const carried = top ? imported[top] : undefined;
  if (top && carried) {
    leave(carried.from, `${refused}: ${top} left unset; add "${top}:" by hand`);
    delete imported[top];
    return true;
  }

  const found = moduleOf(problem.key, imported.modules);
  if (!found) return false;
  const { module, field } = found;
  const value = field ? module.fields[field] : undefined;
  if (field && value && !ESSENTIAL.includes(field)) {
    leave(value.from, `${refused}: left out; fix it by hand`);
    delete module.fields[field];
    return true;
  }

  leave(value?.from ?? module.from, `${refused}: module left out; add it by hand`);
  imported.modules = imported.modules.filter((m) => m !== module);
  return true;
}

/** The module (and field, if any) a problem key such as `paths./zap.vcs` is about. */
function moduleOf(key: string, modules: ImportedModule[]) {
  // The longest path first: "/a.b" is a module path, not "/a" with a key "b".
  const byLength = [...modules].sort((a, b) => b.path.length - a.path.length);
  for (const module of byLength) {
    const own = `paths.${module.path}`;
    if (key !== own && !key.startsWith(`${own}.`)) continue;

    // A key we did not write (none should be) counts against the whole module.
    const rest = key.slice(own.length + 1);
    return { module, field: MODULE_FIELDS.find((name) => name === rest) };
  }
  return undefined;
}
