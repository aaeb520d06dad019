// What Netlify does with one request to a built site, offline, with Netlify's own parts.
//
// Rules are read by @netlify/redirect-parser (the _redirects file first, then
// netlify.toml, as Netlify orders them) and matched by netlify-redirector, Netlify's
// matcher compiled to WebAssembly; headers are read by @netlify/headers-parser. What
// Netlify does with a match is emulated here, after netlify-cli's dev server: a 200 or
// 404 serves the rule's file, a 3xx sends its Location (with the request's query when
// the target has none), an unforced rule yields to an existing file, and with no match
// the file itself is served, else 404.html with a 404. Header blocks are matched on
// the file served, as netlify-cli matches them.
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { parseAllHeaders } from '@netlify/headers-parser';
import type { Header } from '@netlify/headers-parser';
import { parseAllRedirects } from '@netlify/redirect-parser';
import redirector from 'netlify-redirector';
import type { Match, Matcher } from 'netlify-redirector';

export interface SimResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=UTF-8',
  '.json': 'application/json',
};

export class NetlifySite {
  private constructor(
    /** Every file of the site by its site path ("/404.html"), read once. */
    private readonly files: ReadonlyMap<string, Buffer>,
    private readonly host: string,
    private readonly matcher: Matcher,
    private readonly headerRules: Header[],
  ) {}

  /** Reads the rules of the site in `dir` and of `netlifyToml`; throws on any parse error. */
  static async load(dir: string, host: string, netlifyToml?: string): Promise<NetlifySite> {
    const redirectsFiles = [join(dir, '_redirects')];
    const parsed = await parseAllRedirects({
      redirectsFiles,
      netlifyConfigPath: netlifyToml,
      configRedirects: [],
      minimal: false,
    });
    const headers = await parseAllHeaders({
      headersFiles: [join(dir, '_headers')],
      netlifyConfigPath: netlifyToml,
      configHeaders: [],
      minimal: false,
    });
    const errors = [...parsed.errors, ...headers.errors];
    if (errors.length > 0) throw new Error(`Netlify rejects the rules: ${errors.join('\n')}`);

    // The options object is required: the matcher reads it even with no JWT rules.
    const rules = JSON.stringify(parsed.redirects.map(forMatcher));
    const matcher = await redirector.parseJSON(rules, {});
    return new NetlifySite(await readSite(dir), host, matcher, headers.headers as Header[]);
  }

  /** The rule that matches an origin-form target, as Netlify's matcher returns it. */
  match(target: string): Match | null {
    return this.matcher.match({
      scheme: 'https',
      host: this.host,
      path: this.pathOf(target),
      query: rawQuery(target),
      getHeader: () => '',
      getCookie: () => '',
    });
  }

  /** Netlify's answer to GET or HEAD of an origin-form target. */
  request(method: 'GET' | 'HEAD', target: string): SimResponse {
    const response = this.answer(target);
    return method === 'HEAD' ? { ...response, body: Buffer.alloc(0) } : response;
  }

  /**
   * The path as Netlify's edge hands it to the matcher: parsed as a URL (so dot
   * segments are resolved) and percent-decoded, as netlify-cli does.
   */
  private pathOf(target: string): string {
    return decodeURIComponent(new URL(target, `https://${this.host}`).pathname);
  }

  private answer(target: string): SimResponse {
    const match = this.match(target);
    const existing = this.staticFile(this.pathOf(target));
    if (!match) return existing ? this.serve(existing, 200) : this.notFound();
    if (!match.force && existing) return this.serve(existing, 200);
    if (match.force404) return this.notFound();

    if (match.status >= 300 && match.status < 400) return redirect(match, rawQuery(target));
    const file = this.staticFile(match.to);
    if (!file) return this.notFound();
    return this.serve(file, match.status);
  }

  private serve(sitePath: string, status: number): SimResponse {
    const body = this.files.get(sitePath) ?? Buffer.alloc(0);
    const headers: Record<string, string> = {
      ...this.headersFor(sitePath),
      'content-type': TYPES[extname(sitePath)] ?? 'application/octet-stream',
      'content-length': String(body.length),
    };
    return { status, headers, body };
  }

  private notFound(): SimResponse {
    if (this.files.has('/404.html')) return this.serve('/404.html', 404);
    return { status: 404, headers: {}, body: Buffer.from('Not Found') };
  }

  /**
   * Every header block whose path matches, in file order; a header set by two blocks
   * gets both values joined, so an overlap between blocks shows up as a wrong value.
   */
  private headersFor(sitePath: string): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const rule of this.headerRules.filter((r) => r.forRegExp.test(sitePath))) {
      for (const [name, value] of Object.entries(rule.values)) {
        const key = name.toLowerCase();
        headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
      }
    }
    return headers;
  }

  /** The site path of the file Netlify serves for `path`: the file, or a folder's index. */
  private staticFile(path: string): string | null {
    const candidates = [path, `${path.replace(/\/$/, '')}/index.html`];
    return candidates.find((candidate) => this.files.has(candidate)) ?? null;
  }
}

/** A 3xx: the target, plus the request's query when the target has none. */
function redirect(match: Match, query: string): SimResponse {
  const location = match.to.includes('?') || query === '' ? match.to : `${match.to}?${query}`;
  return { status: match.status, headers: { location }, body: Buffer.alloc(0) };
}

/** The query as sent, without "?" or a fragment. */
function rawQuery(target: string): string {
  const withoutFragment = target.split('#')[0] ?? '';
  const mark = withoutFragment.indexOf('?');
  return mark < 0 ? '' : withoutFragment.slice(mark + 1);
}

/**
 * The parser's rule objects in the shape the matcher reads: netlify-cli renames
 * `from` to `origin` and `query` to `params` before it hands them over. Our rules
 * carry no conditions (country, language, role), so nothing else needs renaming.
 */
function forMatcher(rule: unknown): Record<string, unknown> {
  const { from, query, ...rest } = rule as Record<string, unknown>;
  return { ...rest, origin: from, params: query };
}

/** Every file under `dir`, keyed by its site path. */
async function readSite(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    files.set(`/${relative(dir, file).split(sep).join('/')}`, await readFile(file));
  }
  return files;
}
