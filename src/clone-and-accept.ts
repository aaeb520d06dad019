// Two small readings of a request: is it git's clone discovery, and does it ask for JSON.
//
// `git clone https://go.example.org/otel` first fetches
// `/otel/info/refs?service=git-upload-pack`; git follows a redirect of that one request
// and then talks to where it landed (git-config http.followRedirects, "initial"), so
// the module's own repository serves the clone.
import type { Answer } from './answer.js';
import { makeAnswer, MISS_MAX_AGE } from './answer.js';
import type { Module } from './registry.js';

/** What git appends to the URL it clones for its first request. */
export const CLONE_SUFFIX = '/info/refs';
const TEXT = 'text/plain; charset=utf-8';

/** The smart-HTTP discovery request of git, for fetching or pushing. */
export function isCloneDiscovery(path: string, query: string): boolean {
  if (!path.endsWith(CLONE_SUFFIX) || !query.includes('service=')) return false;
  const service = new URLSearchParams(query).get('service');
  return service === 'git-upload-pack' || service === 'git-receive-pack';
}

/**
 * A redirect to the module's repository for a fetch from a git repository over
 * http(s); otherwise a 404 that says where the code can be cloned from.
 */
export function cloneAnswer(module: Module, query: string, maxAge: number): Answer {
  const service = new URLSearchParams(query).get('service');
  const http = /^https?:\/\//i.test(module.repo);
  if (module.vcs === 'git' && http && service === 'git-upload-pack') {
    const location = `${module.repo.replace(/\/+$/, '')}${CLONE_SUFFIX}?service=git-upload-pack`;
    const body = Buffer.from(`The repository is at ${module.repo}\n`);
    const headers = {
      'Content-Type': TEXT,
      'Cache-Control': `public, max-age=${maxAge}`,
      Location: location,
    };
    return makeAnswer(302, 'clone', body, headers);
  }

  const body = Buffer.from(`${whereFrom(module, service)}\n`);
  const headers = { 'Content-Type': TEXT, 'Cache-Control': `public, max-age=${MISS_MAX_AGE}` };
  return makeAnswer(404, 'clone', body, headers);
}

function whereFrom(module: Module, service: string | null): string {
  if (service === 'git-receive-pack') {
    return `This server only names the repository; push to it directly: ${module.repo}`;
  }
  if (module.vcs === 'mod') {
    return `This module is served by a module proxy, not a repository: go get it instead.`;
  }
  const command = CLONE_COMMANDS[module.vcs] ?? `${module.vcs} clone`;
  return `Clone the repository itself: ${command} ${module.repo}`;
}

const CLONE_COMMANDS: Record<string, string> = {
  git: 'git clone',
  hg: 'hg clone',
  svn: 'svn checkout',
  bzr: 'bzr branch',
  fossil: 'fossil clone',
};

/**
 * JSON when Accept ranks application/json at least as high as HTML: named
 * explicitly, with a q above 0, and no lower than text/html or a wildcard.
 */
export function indexForm(accept: string | undefined): 'html' | 'json' {
  const lower = accept?.toLowerCase();
  // A browser's Accept names application/xml and the like: only these two can choose JSON.
  if (!lower || !(lower.includes('application/json') || lower.includes('application/*'))) {
    return 'html';
  }
  const quality = new Map<string, number>();
  for (const part of lower.split(',')) {
    const [type = '', ...params] = part.split(';').map((item) => item.trim());
    const q = params.find((param) => param.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    quality.set(type, Math.max(quality.get(type) ?? 0, Number.isFinite(value) ? value : 0));
  }
  const json = quality.get('application/json') ?? quality.get('application/*') ?? 0;
  const html = Math.max(quality.get('text/html') ?? 0, quality.get('text/*') ?? 0);
  return json > 0 && json >= html && json >= (quality.get('*/*') ?? 0) ? 'json' : 'html';
}
