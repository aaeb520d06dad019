// Writing the site's folder: what a build may replace, and what it must never remove.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST, writeSiteFolder } from '../src/site-output.js';

const root = mkdtempSync(join(tmpdir(), 'vanity-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = () => join(root, `case${count++}`);

const site = (...names: string[]) =>
  new Map(names.map((name) => [name, Buffer.from(`page ${name}`)] as const));

describe('writeSiteFolder', () => {
  it('writes the files and a manifest of them', async () => {
    const out = fresh();
    await writeSiteFolder(out, site('a.html', 'x/b.html'));
    expect(readFileSync(join(out, 'x/b.html'), 'utf8')).toBe('page x/b.html');
    expect(JSON.parse(readFileSync(join(out, MANIFEST), 'utf8'))).toEqual({
      files: ['a.html', 'x/b.html'],
    });
  });

  it('replaces a folder its manifest covers, so no removed page stays', async () => {
    const out = fresh();
    await writeSiteFolder(out, site('old.html'));
    await writeSiteFolder(out, site('new.html'));
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'new.html']);
  });

  it('refuses a folder with a file the manifest does not list, and keeps it all', async () => {
    const out = fresh();
    await writeSiteFolder(out, site('a.html'));
    mkdirSync(join(out, '.git'));
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await expect(writeSiteFolder(out, site('b.html'))).rejects.toThrow(
      /holds files that "vanity build" did not write \(\.git\/HEAD\); choose a new or empty/,
    );
    expect(readFileSync(join(out, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(existsSync(join(out, 'a.html'))).toBe(true);
  });

  it('refuses a folder of other files even with a copied _redirects in it', async () => {
    const out = fresh();
    mkdirSync(out);
    writeFileSync(join(out, '_redirects'), '# Written by "vanity build"\n');
    writeFileSync(join(out, 'index.html'), '<h1>mine</h1>');
    await expect(writeSiteFolder(out, site('_redirects'))).rejects.toThrow(/did not write/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('<h1>mine</h1>');
  });

  it('leaves the old site whole when writing the new one fails', async () => {
    const out = fresh();
    await writeSiteFolder(out, site('a.html'));
    const tooLong = `${'x'.repeat(300)}.html`;
    await expect(writeSiteFolder(out, site('b.html', tooLong))).rejects.toThrow(/ENAMETOOLONG/);
    expect(readdirSync(out).sort()).toEqual([MANIFEST, 'a.html']);
    expect(readdirSync(root).filter((name) => name.includes('.vanity-'))).toEqual([]);
    await writeSiteFolder(out, site('c.html'));
    expect(existsSync(join(out, 'c.html'))).toBe(true);
  });

  it.each(['', '.', '..', '/'])('refuses --out %j, which is no folder of its own', async (out) => {
    await expect(writeSiteFolder(out, site('a.html'))).rejects.toThrow(
      /choose a folder of its own/,
    );
  });

  it('refuses a symbolic link, naming it', async () => {
    const target = fresh();
    await writeSiteFolder(target, site('a.html'));
    const link = fresh();
    symlinkSync(target, link);
    await expect(writeSiteFolder(link, site('b.html'))).rejects.toThrow(/is a symbolic link/);
    expect(existsSync(join(target, 'a.html'))).toBe(true);
  });
});
