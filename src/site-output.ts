// Writes a built site to its folder, and never removes a file that a build did not write.
//
// A build writes into a fresh sibling folder and swaps it in only when every
// file is written, so a failed build leaves the old site whole. A folder is
// replaced only when a manifest from an earlier build lists every file in it.
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/** Lists what a build wrote; a dot file, so Netlify does not publish it. */
export const MANIFEST = '.vanity-build.json';

/** Writes `files` (relative path to bytes) as the whole content of `outDir`. */
export async function writeSiteFolder(outDir: string, files: Map<string, Buffer>): Promise<void> {
  checkOutDir(outDir);
  const existing = await folderState(outDir);
  if (existing === 'foreign') throw foreignFolder(outDir, await unknownFiles(outDir));

  const staging = `${outDir}.vanity-new-${process.pid}`;
  try {
    await writeAll(staging, files);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }

  await swapIn(staging, outDir, existing === 'ours');
}

/** `--out` must be a folder of its own, never the current one or above it. */
function checkOutDir(outDir: string): void {
  const out = resolve(outDir);
  const here = resolve('.');
  if (outDir.trim() === '' || out === here || here.startsWith(`${out}${sep}`) || out === sep) {
    throw new Error(`--out "${outDir}": choose a folder of its own, such as site`);
  }
}

type FolderState = 'missing' | 'ours' | 'foreign';

async function folderState(outDir: string): Promise<FolderState> {
  const info = await lstat(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!info) return 'missing';
  if (info.isSymbolicLink()) {
    throw new Error(`--out ${outDir} is a symbolic link; name the folder it points to`);
  }
  if (!info.isDirectory()) throw new Error(`--out ${outDir} is a file, not a folder`);

  // An empty folder counts as ours: there is nothing in it to lose.
  return (await unknownFiles(outDir)).length > 0 ? 'foreign' : 'ours';
}

/**
 * Up to `most` files in `outDir` that its manifest does not list (any file,
 * when it has none). Stops early: a wrong --out may name a huge folder.
 */
async function unknownFiles(outDir: string, most = 3): Promise<string[]> {
  const listed = new Set(await readManifest(outDir));
  const unknown: string[] = [];
  for await (const file of walk(outDir, '')) {
    if (file !== MANIFEST && !listed.has(file)) unknown.push(file);
    if (unknown.length >= most) break;
  }
  return unknown;
}

async function readManifest(outDir: string): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(outDir, MANIFEST), 'utf8'));
    const files = (parsed as { files?: unknown }).files;
    return Array.isArray(files) ? files.filter((file) => typeof file === 'string') : [];
  } catch {
    return [];
  }
}

/** Every file and link below `dir`, as paths relative to it with "/" separators. */
async function* walk(dir: string, prefix: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(join(dir, entry.name), path);
    else yield path;
  }
}

function foreignFolder(outDir: string, unknown: string[]): Error {
  const shown = unknown.join(', ') + (unknown.length >= 3 ? ', ...' : '');
  return new Error(
    `${outDir} holds files that "vanity build" did not write (${shown}); ` +
      'choose a new or empty folder with --out',
  );
}

/** Files written at once: enough to keep the disk busy, few enough for any open-file limit. */
const PARALLEL_WRITES = 64;

async function writeAll(dir: string, files: Map<string, Buffer>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  const folders = new Set([...files.keys()].map((path) => dirname(join(dir, path))));
  for (const folder of folders) await mkdir(folder, { recursive: true });

  const entries = [...files];
  for (let i = 0; i < entries.length; i += PARALLEL_WRITES) {
    const batch = entries.slice(i, i + PARALLEL_WRITES);
    await Promise.all(batch.map(([path, body]) => writeFile(join(dir, path), body)));
  }
  const manifest = { files: [...files.keys()].sort() };
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Renames the new folder into place; the old one, all ours, goes only after that. */
async function swapIn(staging: string, outDir: string, replace: boolean): Promise<void> {
  const old = `${outDir}.vanity-old-${process.pid}`;
  if (replace) await rename(outDir, old);
  else await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  if (replace) await rm(old, { recursive: true, force: true });
}
