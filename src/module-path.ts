// What may appear in a module path or an import path below the vanity host.
//
// The rules follow the go command's own checks (golang.org/x/mod/module):
// an element is non-empty, uses ASCII letters, digits and `-._~` (plus `+` in
// import paths), neither starts nor ends with a dot, and is not a name that
// Windows reserves. An element starting with a dot can therefore never be part
// of a module path, which is why our own endpoints live under `/.well-known/`.

const MODULE_ELEMENT = /^[A-Za-z0-9_~-](?:[A-Za-z0-9._~-]*[A-Za-z0-9_~-])?$/;
const IMPORT_ELEMENT = /^[A-Za-z0-9_~+-](?:[A-Za-z0-9._~+-]*[A-Za-z0-9_~+-])?$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])$/i;
const SHORT_NAME = /~[0-9]+$/;
/** Each element becomes a folder name in the module cache, which file systems cap. */
const MAX_ELEMENT = 200;

/** Why an element cannot be part of a module path, or null when it can. */
export function moduleElementProblem(element: string): string | null {
  if (element === '') return 'empty path element (a double or trailing "/")';
  if (element === '.' || element === '..') return `"${element}" is not allowed in a module path`;
  if (element.startsWith('.')) return `element "${element}" starts with a dot`;
  if (element.endsWith('.')) return `element "${element}" ends with a dot`;
  if (element.length > MAX_ELEMENT) {
    return `element "${element.slice(0, 20)}..." is longer than ${MAX_ELEMENT} characters`;
  }
  if (!MODULE_ELEMENT.test(element)) {
    return `element "${element}" may use only ASCII letters, digits and "-._~"`;
  }
  if (WINDOWS_RESERVED.test(element.split('.')[0] ?? '')) {
    return `element "${element}" is a reserved file name on Windows`;
  }
  if (SHORT_NAME.test(element.split('.')[0] ?? '')) {
    return `element "${element}" looks like a Windows short name`;
  }
  return null;
}

/** True when `element` may appear in an import path (module path or package below it). */
export function isImportElement(element: string): boolean {
  const short = element.split('.')[0] ?? '';
  return IMPORT_ELEMENT.test(element) && !WINDOWS_RESERVED.test(short) && !SHORT_NAME.test(short);
}

/**
 * Normalises a configured module path: one trailing slash is dropped, and
 * the domain root stays "/". Returns the path and the problem, if any.
 */
export function normaliseModulePath(raw: string): { path: string; problem: string | null } {
  if (!raw.startsWith('/')) {
    return { path: raw, problem: `module path must start with "/" (write "/${raw}")` };
  }
  const path = raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  // "//" loses only its last slash and would pass for the root; it has an empty element.
  if (path === '/') return { path, problem: raw === '/' ? null : moduleElementProblem('') };

  for (const element of path.slice(1).split('/')) {
    const problem = moduleElementProblem(element);
    if (problem) return { path, problem };
  }
  return { path, problem: majorVersionProblem(path) };
}

/**
 * A final element that looks like a major version must be one the go command
 * accepts as a suffix: v2 or later, no leading zero, no dot (v0, v1, v02 and
 * v2.0 are refused by `go mod init` and never resolved).
 */
function majorVersionProblem(path: string): string | null {
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (!/^v[0-9.]+$/.test(last)) return null;
  if (/^v[1-9][0-9]*$/.test(last) && last !== 'v1') return null;
  return `"${last}" is not a major version suffix the go command accepts (use v2 or later)`;
}

/**
 * isImportElement() over a whole path ("/a/b"), each element between slashes.
 * Every request is checked, so these look at the path once, without splitting
 * it: every element is an import element, and in none does the part before its
 * first dot name a reserved file or a short name.
 */
const IMPORT_PATH = /^(?:\/[A-Za-z0-9_~+-](?:[A-Za-z0-9._~+-]*[A-Za-z0-9_~+-])?)+$/;
const RESERVED_ELEMENT = /\/(?:con|prn|aux|nul|com[1-9]|lpt[1-9]|[^/.]*~[0-9]+)(?=[./]|$)/i;

/**
 * The request path as an import path below the host ("/a/b"), or null when it
 * cannot be one: percent escapes, dot segments and empty segments make a miss.
 * One trailing slash is allowed and dropped. The root is "/".
 */
export function requestImportPath(rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  if (rawPath === '/') return rawPath;
  const path = rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  return IMPORT_PATH.test(path) && !RESERVED_ELEMENT.test(path) ? path : null;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
const NUMERIC_TLD = /\.[0-9]+$/;

/**
 * True for a lower-case DNS name with at least one dot, as a module path's
 * host must be. An IPv4 address is not one: no top-level domain is numeric.
 */
export function isVanityDomain(host: string): boolean {
  return DOMAIN.test(host) && !NUMERIC_TLD.test(host);
}

/** The import path of `path` ("/otel/sdk" or "/") on `host`: no trailing slash for the root. */
export function importPathOf(host: string, path: string): string {
  return path === '/' ? host : `${host}${path}`;
}
