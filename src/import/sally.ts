// uber-go/sally's sally.yaml to vanity.yaml values, reporting what has no counterpart here.
//
// Sally's url is the host (and maybe a path) of every import path; each package
// name is the module path below it, and its repo is written without https://.
import { isNull } from '../config-checker.js';
import type { YamlMap, YamlNode } from '../yaml-tree.js';
import { baseOf, carry, docsFor, impliedVcs, joinPath, Leftovers, mapOf } from './model.js';
import { keyPos, readKeys, textOf } from './model.js';
import type { Base, Entry, Imported, ImportedModule, Origin } from './model.js';

// godocServer is what sally read before godoc.host (it held a whole URL).
const TOP_KEYS = ['url', 'godoc', 'godocServer', 'packages'];
const GODOC_KEYS = ['host'];
const PACKAGE_KEYS = ['repo', 'branch', 'url', 'vcs', 'description', 'doc_url', 'doc_badge'];

/** Converts a parsed sally.yaml; `file` names it in every report. */
export function convertSally(root: YamlMap, file: string): Imported {
  const leftovers = new Leftovers(file, 'sally');
  const top = readKeys(root, '', TOP_KEYS, leftovers);
  const imported: Imported = { modules: [], left: leftovers.left };

  const url = top.get('url');
  const base = url ? baseOf(textOf(url, leftovers)) : undefined;
  if (url && base) imported.host = carry(base.host, url);
  if (!base) {
    const message =
      'not set, though sally needs it: host is left unset, so each request names the ' +
      'domain; add "host: YOUR.DOMAIN" to the output';
    leftovers.add(url?.from ?? { key: 'url', pos: root.pos }, message);
  }

  const docs = docsOf(top, leftovers);
  if (docs) imported.docs = docs;

  const packages = top.get('packages');
  const seen = new Set<string>();
  for (const { key, value } of packages ? mapOf(packages, leftovers).entries : []) {
    // Sally's YAML library refuses a name given twice; so do we.
    const name = key.kind === 'scalar' ? key.value : '';
    const from = { key: `packages.${name}`, pos: keyPos(key) };
    if (seen.has(name)) throw leftovers.error(from, 'duplicate package name; keep one of them');
    seen.add(name);

    const module = sallyPackage(name, from, value, base, leftovers);
    if (module) imported.modules.push(module);
  }
  return imported;
}

/** godoc.host, or the older godocServer; nothing when it is pkg.go.dev, our default too. */
function docsOf(top: Map<string, Entry>, leftovers: Leftovers) {
  const godoc = top.get('godoc');
  const host = godoc ? readKeys(mapOf(godoc, leftovers), 'godoc', GODOC_KEYS, leftovers) : null;
  const hostEntry = host?.get('host');
  if (hostEntry) {
    const docs = docsFor(textOf(hostEntry, leftovers));
    return docs ? carry(docs, hostEntry) : undefined;
  }

  const server = top.get('godocServer');
  if (!server) return undefined;
  const text = textOf(server, leftovers).trim();
  // A URL with its own scheme keeps it (an internal godoc may be plain http).
  const docs = /^https?:\/\//i.test(text) ? `${text.replace(/\/+$/, '')}/` : docsFor(text);
  return docs && docs !== 'https://pkg.go.dev/' ? carry(docs, server) : undefined;
}

/** One entry under packages; null when it has to be left out. */
function sallyPackage(
  name: string,
  from: Origin,
  value: YamlNode,
  base: Base | undefined,
  leftovers: Leftovers,
): ImportedModule | null {
  if (!isNull(value) && value.kind !== 'map') throw leftovers.error(from, 'expected a mapping');
  const fields = value.kind === 'map' ? readKeys(value, from.key, PACKAGE_KEYS, leftovers) : null;
  const repo = fields?.get('repo');
  if (!fields || !repo) {
    leftovers.add(from, 'no repo, which sally needs: module left out; add it with its repo URL');
    return null;
  }

  const prefix = ownPrefix(fields.get('url'), base, leftovers);
  if (prefix === null) return null;
  const module: ImportedModule = { path: joinPath(prefix, name), from, fields: {} };
  carryFields(module, fields, leftovers);
  return module;
}

/**
 * The path prefix for a package with its own url: null (left out) when that
 * names another host, since one vanity.yaml answers for one host.
 */
function ownPrefix(url: Entry | undefined, base: Base | undefined, leftovers: Leftovers) {
  if (!url) return base?.prefix ?? '';
  const own = baseOf(textOf(url, leftovers));
  if (own && own.host === base?.host) return own.prefix;

  const host = own?.host ?? 'that host';
  const ours = base?.host ?? 'the top url';
  const message =
    `serves this module under ${host}, not ${ours}: module left out, since ` +
    `one vanity.yaml serves one host; put it in a second one with "host: ${host}" and ` +
    'serve both (--config twice)';
  leftovers.add(url.from, message);
  return null;
}

/** repo, vcs (when ours would not infer the same), description, branch and doc_url. */
function carryFields(module: ImportedModule, fields: Map<string, Entry>, leftovers: Leftovers) {
  const repoEntry = fields.get('repo') as Entry;
  const text = textOf(repoEntry, leftovers).trim();
  // Sally puts https:// in front of repo; one written with a scheme is kept as it is.
  const repo = text.includes('://') ? text : `https://${text}`;
  module.fields.repo = carry(repo, repoEntry);

  // An empty vcs is sally's default, git, too.
  const vcsEntry = fields.get('vcs');
  const vcs = (vcsEntry ? textOf(vcsEntry, leftovers).trim() : '') || 'git';
  if (impliedVcs(repo) !== vcs) module.fields.vcs = carry(vcs, vcsEntry ?? repoEntry);

  const renames = [
    ['description', 'description'],
    ['branch', 'branch'],
    ['doc_url', 'docs_url'],
  ] as const;
  for (const [theirs, ours] of renames) {
    const entry = fields.get(theirs);
    if (entry) module.fields[ours] = carry(textOf(entry, leftovers), entry);
  }

  const badge = fields.get('doc_badge');
  if (badge) {
    const message = 'no counterpart: the index page shows no badges; left out, nothing to do';
    leftovers.add(badge.from, message);
  }
}
