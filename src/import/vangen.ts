// vangen's vangen.json to vanity.yaml values, reporting what has no counterpart here.
//
// vangen writes a page for each repository prefix and each of its subs, with
// go-source links it fills in for GitHub and GitLab from the master branch.
// Its keys are matched without regard to case, as Go's encoding/json does.
import { checkRepoUrl } from '../config-values.js';
import type { YamlMap, YamlNode } from '../yaml-tree.js';
import { baseOf, carry, docsFor, flagOf, impliedVcs, joinPath, Leftovers } from './model.js';
import { mapOf, readKeys, textOf } from './model.js';
import type { Base, Entry, Imported, ImportedModule, Origin } from './model.js';

const TOP_KEYS = ['domain', 'docsDomain', 'index', 'repositories'];
const REPO_KEYS = ['prefix', 'subs', 'type', 'url', 'main', 'hidden', 'source', 'website'];
const SOURCE_KEYS = ['home', 'dir', 'file'];
const WEBSITE_KEYS = ['url'];
const SUB_KEYS = ['name', 'hidden'];
const FOLD_CASE = true;

/** Converts a parsed vangen.json; `file` names it in every report. */
export function convertVangen(root: YamlMap, file: string): Imported {
  const leftovers = new Leftovers(file, 'vangen');
  const top = readKeys(root, '', TOP_KEYS, leftovers, FOLD_CASE);
  const imported: Imported = { modules: [], left: leftovers.left };

  const domain = top.get('domain');
  const base = domain ? baseOf(textOf(domain, leftovers)) : undefined;
  if (domain && base) imported.host = carry(base.host, domain);
  if (!base) {
    const message =
      'not set, though vangen needs it: host is left unset, so each request names the ' +
      'domain; add "host: YOUR.DOMAIN" to the output';
    leftovers.add(domain?.from ?? { key: 'domain', pos: root.pos }, message);
  }

  const docsDomain = top.get('docsDomain');
  const docs = docsDomain ? docsFor(textOf(docsDomain, leftovers)) : undefined;
  if (docsDomain && docs) imported.docs = carry(docs, docsDomain);

  const index = top.get('index');
  if (index && !flagOf(index, leftovers)) {
    const message =
      'vanity always lists modules at /, so this is left out; to keep a module off the ' +
      'list, give it "hidden: true"';
    leftovers.add(index.from, message);
  }

  const repositories = top.get('repositories');
  for (const [i, node] of (repositories ? seqOf(repositories, leftovers) : []).entries()) {
    const from = { key: `repositories[${i}]`, pos: node.pos };
    if (node.kind !== 'map') throw leftovers.error(from, 'expected an object');
    const module = repository(node, from, base, leftovers);
    if (module) imported.modules.push(module);
  }
  return imported;
}

function seqOf(entry: Entry, leftovers: Leftovers): YamlNode[] {
  if (entry.value.kind !== 'seq') throw leftovers.error(entry.from, 'expected a list');
  return entry.value.items;
}

/** The keys of an object nested under `entry`, such as source or website. */
function keysOf(entry: Entry, known: readonly string[], leftovers: Leftovers) {
  return readKeys(mapOf(entry, leftovers), entry.from.key, known, leftovers, FOLD_CASE);
}

/** One repository; null when it has no url and so has to be left out. */
function repository(
  map: YamlMap,
  from: Origin,
  base: Base | undefined,
  leftovers: Leftovers,
): ImportedModule | null {
  const fields = readKeys(map, from.key, REPO_KEYS, leftovers, FOLD_CASE);
  const url = fields.get('url');
  if (!url) {
    leftovers.add(from, 'no url, which vangen needs: module left out; add it with its repo URL');
    return null;
  }

  const prefix = fields.get('prefix');
  const path = joinPath(base?.prefix ?? '', prefix ? textOf(prefix, leftovers) : '');
  const module: ImportedModule = { path, from: prefix?.from ?? from, fields: {} };
  const repo = textOf(url, leftovers).trim();
  module.fields.repo = carry(repo, url);

  carryVcs(module, fields, { key: `${from.key}.type`, pos: url.from.pos }, leftovers);
  carryDisplay(module, fields, leftovers);
  carryFlags(module, fields, leftovers);
  carryWebsite(module, fields, leftovers);
  reportSubs(module, fields, leftovers);
  return module;
}

/**
 * type as vcs, unless ours infers the same. Where vangen could not tell, it
 * wrote an empty VCS; `missing` points at the url for that report.
 */
function carryVcs(
  module: ImportedModule,
  fields: Map<string, Entry>,
  missing: Origin,
  leftovers: Leftovers,
) {
  const repo = module.fields.repo?.value as string;
  const type = fields.get('type');
  const vcs = type ? textOf(type, leftovers).trim() : '';
  if (type && vcs && vcs !== impliedVcs(repo)) module.fields.vcs = carry(vcs, type);
  if (vcs || impliedVcs(repo)) return;
  // A repo that is no URL is left out whole, with its own line; a VCS guess would contradict it.
  if (checkRepoUrl(repo).url === null) return;

  module.fields.vcs = { value: 'git', from: missing };
  const message =
    'not set, so vangen wrote an empty VCS, which the go command refuses: the output says ' +
    '"vcs: git"; check it';
  leftovers.add(missing, message);
}

/**
 * source as display. vangen fills a missing field from the master branch on
 * GitHub and GitLab, else with "_"; with no source at all ours infers better links.
 */
function carryDisplay(module: ImportedModule, fields: Map<string, Entry>, leftovers: Leftovers) {
  const source = fields.get('source');
  if (!source) return;
  const parts = keysOf(source, SOURCE_KEYS, leftovers);
  if (parts.size === 0) return;

  const repo = (module.fields.repo?.value as string).replace(/\/+$/, '');
  const forge = /^https:\/\/(github|gitlab)\.com\//.test(repo);
  const fallback = {
    home: forge ? repo : '_',
    dir: forge ? `${repo}/tree/master{/dir}` : '_',
    file: forge ? `${repo}/blob/master{/dir}/{file}#L{line}` : '_',
  };
  const field = (name: 'home' | 'dir' | 'file') => {
    const entry = parts.get(name);
    return entry ? textOf(entry, leftovers).trim() || fallback[name] : fallback[name];
  };
  module.fields.display = carry(`${field('home')} ${field('dir')} ${field('file')}`, source);
}

/** hidden carries over; main (a "Tools" list apart from "Libraries") has no counterpart. */
function carryFlags(module: ImportedModule, fields: Map<string, Entry>, leftovers: Leftovers) {
  const hidden = fields.get('hidden');
  if (hidden && flagOf(hidden, leftovers)) module.fields.hidden = carry(true, hidden);

  const main = fields.get('main');
  if (main && flagOf(main, leftovers)) {
    const message =
      'no counterpart: the index lists every module together, with no "Tools" apart from ' +
      '"Libraries"; left out; say so in its description if it matters';
    leftovers.add(main.from, message);
  }
}

/** website.url, the module's home link, becomes the module's docs_url. */
function carryWebsite(module: ImportedModule, fields: Map<string, Entry>, leftovers: Leftovers) {
  const website = fields.get('website');
  if (!website) return;
  const entry = keysOf(website, WEBSITE_KEYS, leftovers).get('url');
  const text = entry ? textOf(entry, leftovers).trim() : '';
  if (entry && text) module.fields.docs_url = carry(text, entry);
}

/**
 * subs named the sub-packages vangen wrote pages for. Every path below a module
 * is answered here, so go get still works; only the list on the page is lost.
 */
function reportSubs(module: ImportedModule, fields: Map<string, Entry>, leftovers: Leftovers) {
  const subs = fields.get('subs');
  if (!subs) return;
  const items = seqOf(subs, leftovers);
  for (const [i, item] of items.entries()) {
    const from = { key: `${subs.from.key}[${i}]`, pos: item.pos };
    if (item.kind === 'map') readKeys(item, from.key, SUB_KEYS, leftovers, FOLD_CASE);
    else if (item.kind !== 'scalar') throw leftovers.error(from, 'expected a name or an object');
  }
  if (items.length === 0) return;

  const docs = module.fields.docs_url
    ? '; browsers asking for one go to docs_url plus its path'
    : '';
  const message =
    `every path below ${module.path} is answered, so go get finds ` +
    `${items.length === 1 ? 'this sub-package' : `these ${items.length} sub-packages`} as before${docs}; the list of them on the module page is left out; ` +
    'nothing to do';
  leftovers.add(subs.from, message);
}
