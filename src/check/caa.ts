// CAA (RFC 8659): find the record set that governs a host, and read what it permits.
//
// The governing set is the first non-empty one met climbing from the name
// toward the root (go.example.org, then example.org, then org). For a wildcard
// *.example.org the climb starts at example.org (RFC 8659, section 3). CNAMEs
// are left to the DNS server: a CAA query at an alias is answered with the
// target's records, as for any other query, and those govern the alias.
import { Resolver } from 'node:dns/promises';
import type { CertificateAuthority } from './cas.js';

export interface CaaRecord {
  critical: boolean;
  tag: string;
  value: string;
}

export interface CaaSet {
  /** The DNS name that holds the set, without a trailing dot. */
  name: string;
  records: CaaRecord[];
}

/** The part of node's Resolver this module uses, so tests and callers can pass their own. */
export interface CaaResolver {
  resolveCaa(name: string): Promise<object[]>;
  /** Abandons queries in flight; called when a lookup runs past its deadline. */
  cancel?(): void;
}

/** A lookup that failed for a reason other than "no records here": CAs refuse to issue then. */
export class CaaLookupError extends Error {
  constructor(
    readonly domain: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A resolver asking `server` (IP:PORT) or the system's servers, with one try.
 * Its own timeout is not a deadline (c-ares took twice as long), hence the one in lookup().
 */
export function createResolver(server: string | undefined, timeoutMs: number): Resolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (server) resolver.setServers([server]);
  return resolver;
}

/** Every name RFC 8659 climbs through for `host`, host first, the root excluded. */
export function climb(host: string): string[] {
  const labels = host.replace(/\.$/, '').split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The governing CAA set, or null when no name from `start` up to the
 * top-level domain has one. With `timeoutMs`, each name's lookup gives up then.
 */
export async function findCaaSet(
  start: string,
  resolver: CaaResolver,
  timeoutMs?: number,
): Promise<CaaSet | null> {
  for (const name of climb(start)) {
    const raw = await lookup(name, resolver, timeoutMs);
    if (raw.length > 0) return { name, records: raw.map(toRecord) };
  }
  return null;
}

const ABSENT = new Set(['ENODATA', 'ENOTFOUND']);

async function lookup(name: string, resolver: CaaResolver, timeoutMs: number | undefined) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      resolver.cancel?.();
      reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([resolver.resolveCaa(name), deadline]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (ABSENT.has(code)) return [];
    throw new CaaLookupError(name, code, lookupProblem(name, code));
  } finally {
    clearTimeout(timer);
  }
}

function lookupProblem(name: string, code: string): string {
  const why: Record<string, string> = {
    ETIMEOUT: 'the DNS server did not answer in time',
    ECONNREFUSED: 'the DNS server refused the connection',
    ESERVFAIL: 'the DNS server answered SERVFAIL',
    EREFUSED: 'the DNS server refused the query',
    EBADRESP: 'the answer could not be parsed (a CAA value may be empty: write issue ";")',
  };
  const reason = why[code] ?? `the lookup failed (${code})`;
  return `CAA lookup of ${name} failed: ${reason}; CAs refuse to issue when CAA cannot be read`;
}

/**
 * Node gives each record as { critical, <tag>: value }, and from Node 22 on
 * with `type: 'CAA'` as well; the tag is the key that is neither.
 */
function toRecord(record: object): CaaRecord {
  const raw = record as Record<string, unknown>;
  const tag = Object.keys(raw).find((key) => key !== 'critical' && key !== 'type') ?? '';
  return { critical: (Number(raw.critical) & 128) !== 0, tag, value: String(raw[tag] ?? '') };
}

/** The issuer domain of an issue/issuewild value (null for ";": no CA), and what follows ";". */
export function parseIssueValue(value: string): { domain: string | null; parameters: string } {
  const semicolon = value.indexOf(';');
  const head = (semicolon >= 0 ? value.slice(0, semicolon) : value).trim().toLowerCase();
  const parameters = semicolon >= 0 ? value.slice(semicolon + 1).trim() : '';
  return { domain: head === '' ? null : head, parameters };
}

/** Tags registered with IANA; a CA that does not know a critical tag must refuse to issue. */
const KNOWN_TAGS = new Set([
  'issue',
  'issuewild',
  'iodef',
  'contactemail',
  'contactphone',
  'issuemail',
  'issuevmc',
]);

export function criticalUnknown(set: CaaSet): CaaRecord[] {
  return set.records.filter((r) => r.critical && !KNOWN_TAGS.has(r.tag.toLowerCase()));
}

/** The tag that decides issuance: issuewild for a wildcard when the set has one, else issue. */
export function decidingTag(set: CaaSet, wildcard: boolean): 'issue' | 'issuewild' {
  const hasWild = set.records.some((r) => r.tag.toLowerCase() === 'issuewild');
  return wildcard && hasWild ? 'issuewild' : 'issue';
}

/** The records that decide issuance, those of decidingTag(). */
export function deciding(set: CaaSet, wildcard: boolean): CaaRecord[] {
  const tag = decidingTag(set, wildcard);
  return set.records.filter((r) => r.tag.toLowerCase() === tag);
}

export type Permission = { allowed: true; via: string | null } | { allowed: false };

/** Whether the set lets `ca` issue; `via` is the value that allows it, null if none restricts. */
export function permits(
  set: CaaSet | null,
  ca: CertificateAuthority,
  wildcard: boolean,
): Permission {
  if (!set) return { allowed: true, via: null };
  const records = deciding(set, wildcard);
  if (records.length === 0) return { allowed: true, via: null };
  const hit = records.find((r) => {
    const domain = parseIssueValue(r.value).domain;
    return domain !== null && ca.caaDomains.includes(domain);
  });
  return hit ? { allowed: true, via: hit.value } : { allowed: false };
}

/** A record in zone-file form, ready to paste: `example.org. CAA 0 issue "pki.goog"`. */
export function recordText(name: string, tag: string, value: string): string {
  return `${name}. CAA 0 ${tag} "${value}"`;
}

/** The issuer domains a set names for `wildcard` certificates, for messages. */
export function allowedDomains(set: CaaSet, wildcard: boolean): string[] {
  return deciding(set, wildcard).map((r) => parseIssueValue(r.value).domain ?? '";" (no CA)');
}
