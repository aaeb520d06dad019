// What one config value may hold: the checks that need no position or key.
//
// Each says what the go command would do with a bad value, so that a problem
// can tell the operator why, not just that, it is refused.
import { moduleElementProblem } from './module-path.js';

const REPO_SCHEMES = [
  'https:',
  'http:',
  'git:',
  'ssh:',
  'git+ssh:',
  'svn:',
  'svn+ssh:',
  'bzr:',
  'bzr+ssh:',
];
/** VCSs the go command refuses for public modules unless GOVCS says otherwise. */
export const GOVCS_BLOCKED = ['svn', 'bzr', 'fossil'];
/** A "%" not followed by two hex digits, which the go command's URL parser refuses. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** The repo as a URL, or the problem to report (the URL may still come with a problem). */
export function checkRepoUrl(repo: string): { url: URL | null; problem: string | null } {
  let url: URL | null = null;
  try {
    url = new URL(repo);
  } catch {
    url = null;
  }

  // The scheme is checked first: "file:///srv/repo" has no host, and calling
  // it "not a URL" would hide the real reason it is refused.
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || url?.protocol === 'file:';
  const scheme = url && hasScheme ? url.protocol : null;
  if (scheme && !REPO_SCHEMES.includes(scheme)) {
    const schemes = REPO_SCHEMES.map((s) => s.slice(0, -1)).join(', ');
    return {
      url: null,
      problem: `scheme "${scheme}" is not one the go command fetches (${schemes})`,
    };
  }
  if (/\s/.test(repo) || !url || !url.host || BAD_ESCAPE.test(repo)) {
    return {
      url: null,
      problem: `"${repo}" is not a URL; write one such as https://github.com/org/name`,
    };
  }

  if (url.password) {
    const bare = `${url.protocol}//${url.host}${url.pathname}`;
    return { url, problem: `remove the password: every page shows it; write ${bare}` };
  }
  return { url, problem: null };
}

/**
 * The first control character in `text`, as a code: they would break the
 * page the go command parses as XML. Tabs pass; line breaks only when allowed.
 */
export function controlCharacter(text: string, multiLine: boolean): number | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 9 || (multiLine && code === 10)) continue;
    if (code < 0x20 || code === 0x7f) return code;
  }
  return undefined;
}

/** The branch names put into links as they are: no character that would need escaping. */
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/;

/** Why a branch name cannot go into source links as it is, or null when it can. */
export function branchProblem(text: string): string | null {
  if (BRANCH.test(text) && !/\.\.|\/$|\.lock$/.test(text)) return null;
  const rule = 'ASCII letters, digits and "._/-", not first "-" or ".", no "..", no ".lock" end';
  return `"${text}" is not a branch name this server links to (${rule}); such as main`;
}

/** Why a subdir is not a relative folder the go command accepts, or null. */
export function subdirProblem(text: string): string | null {
  const problem = text
    .split('/')
    .map((element) => moduleElementProblem(element))
    .find((p) => p !== null);
  return problem ? `${problem}; write a relative folder, such as "go"` : null;
}
