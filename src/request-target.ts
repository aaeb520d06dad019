// The request target as this server reads it: path, query and authority, the Host, the
// go-get parameter, and a query made safe to echo into a Location header.
import { isVanityDomain } from './module-path.js';

export interface Target {
  path: string;
  query: string;
  authority?: string;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^#]*)/;

/** Splits an origin-form or absolute-form target; null for anything else (such as "*"). */
export function splitTarget(target: string): Target | null {
  let rest = target;
  let authority: string | undefined;
  if (!target.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (!absolute) return null;
    authority = (absolute[1] ?? '').replace(/^.*@/, '');
    rest = absolute[2] || '/';
    if (rest.startsWith('?')) rest = `/${rest}`;
  }

  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const mark = rest.indexOf('?');
  const path = mark >= 0 ? rest.slice(0, mark) : rest;
  const query = mark >= 0 ? rest.slice(mark + 1) : '';
  return authority === undefined ? { path, query } : { path, query, authority };
}

/** The vanity domain a Host header names: lower case, no port, no trailing dot. */
export function requestHost(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const host = header
    .toLowerCase()
    .replace(/:[0-9]*$/, '')
    .replace(/\.$/, '');
  return isVanityDomain(host) ? host : undefined;
}

/** True when any `go-get` parameter is exactly "1", wherever it stands among the others. */
export function isGoGet(query: string): boolean {
  if (query === 'go-get=1') return true;
  if (!query.includes('go-get')) return false;
  return new URLSearchParams(query).getAll('go-get').includes('1');
}

/**
 * The query re-encoded so that nothing outside URL characters reaches a header
 * or page. The quote `'` is encoded too, as browsers do in a query (WHATWG URL):
 * a Location should never carry a quote that a careless consumer could end a string on.
 */
export function safeQuery(query: string): string {
  return query.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&()*+,;=:@/?%]/g, percentEncode);
}

/**
 * Node reads request bytes as latin1, so a character up to U+00FF stands for
 * one byte of the original request and is written back as that byte.
 */
function percentEncode(char: string): string {
  const code = char.charCodeAt(0);
  if (code <= 0xff) return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD';
  }
}
