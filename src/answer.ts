// The protocol: one request (method, host, target) to one Answer. No sockets, no clock.
//
// Every way of serving (the Express app, the static site) takes its answers
// from here, so they cannot drift apart. Pages that depend only on the
// registry are rendered once, when the Answerer is built.
import { isVanityDomain, requestImportPath } from './module-path.js';
import { importPathOf } from './registry.js';
import type { Module, Registry } from './registry.js';
import { etagMatches, IndexPage } from './index-page.js';
import { DOCS_BASE, Renderer } from './render.js';

export type AnswerKind =
  'go-get' | 'browser' | 'index' | 'miss' | 'health' | 'bad-request' | 'method' | 'too-long';

export interface VanityRequest {
  method: string;
  /** The request target as sent: origin form ("/a?b") or absolute form ("http://h/a?b"). */
  target: string;
  /** The Host header, if any; ignored when the registry names its host. */
  host?: string | undefined;
  /** Accept-Encoding and If-None-Match, for the index page, which is large and changes rarely. */
  acceptEncoding?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export interface Answer {
  status: number;
  kind: AnswerKind;
  headers: Record<string, string>;
  /** The body a GET gets; HEAD sends the same headers and no body. */
  body: Buffer;
  /** The module that answered, for logs. */
  module?: string;
}

/** Anything that answers requests: one domain's Answerer, or a router over several. */
export interface Answering {
  answer(request: VanityRequest): Answer;
}

export const HEALTH_PATH = '/.well-known/vanity/health';
/** Readiness belongs to the process, not the registry: the HTTP layer answers it. */
export const READY_PATH = '/.well-known/vanity/ready';
export const MISS_MAX_AGE = 300;
const HTML = 'text/html; charset=utf-8';

/** Answers requests for one registry; build a new one when the registry changes. */
export class Answerer implements Answering {
  /** With a configured host, each module's go-get answer is built once and shared. */
  private readonly moduleAnswers = new Map<string, Answer>();
  private readonly notFound: Buffer;
  private readonly index: IndexPage | undefined;

  constructor(
    readonly registry: Registry,
    private readonly renderer: Renderer = new Renderer(),
  ) {
    const host = registry.host;
    this.notFound = Buffer.from(renderer.notFoundPage());
    this.index = host ? new IndexPage(Buffer.from(renderer.indexPage(registry, host))) : undefined;
    if (!host) return;
    for (const module of registry.modules) {
      const body = Buffer.from(renderer.modulePage(module, host));
      const answer = this.page(200, 'go-get', body, this.cached(), module.path);
      Object.freeze(answer.headers);
      this.moduleAnswers.set(module.path, Object.freeze(answer));
    }
  }

  answer(request: VanityRequest): Answer {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed();

    const target = splitTarget(request.target);
    if (!target) return badTargetAnswer();
    // Health checks come from probes that name no vanity domain.
    if (target.path === HEALTH_PATH) return this.health();
    const host = this.registry.host ?? requestHost(target.authority ?? request.host);
    if (!host) return badRequest('the Host header is not a domain name such as go.example.org');

    const path = requestImportPath(target.path);
    const match = path === null ? undefined : this.registry.lookup(path);
    const goGet = isGoGet(target.query);

    if (!match || path === null) {
      if (path === '/' && !goGet) return this.indexAnswer(host, request);
      return this.miss();
    }
    return goGet
      ? this.goGet(match.module, host)
      : this.browser(host, path, target.query, match.module);
  }

  private goGet(module: Module, host: string): Answer {
    const prebuilt = this.moduleAnswers.get(module.path);
    if (prebuilt) return prebuilt;
    const body = Buffer.from(this.renderer.modulePage(module, host));
    return this.page(200, 'go-get', body, this.cached(), module.path);
  }

  private browser(host: string, path: string, query: string, module: Module): Answer {
    const location = DOCS_BASE + importPathOf(host, path) + (query ? `?${safeQuery(query)}` : '');
    const body = Buffer.from(this.renderer.redirectPage(location));
    return this.page(302, 'browser', body, { ...this.cached(), Location: location }, module.path);
  }

  private indexAnswer(host: string, request: VanityRequest): Answer {
    const page =
      this.index ?? new IndexPage(Buffer.from(this.renderer.indexPage(this.registry, host)));
    const { body, etag, encoding } = page.representation(request.acceptEncoding);
    const headers: Record<string, string> = {
      'Cache-Control': `public, max-age=${MISS_MAX_AGE}`,
      ETag: etag,
      Vary: 'Accept-Encoding',
    };
    if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
    if (!etagMatches(request.ifNoneMatch, etag)) return this.page(200, 'index', body, headers);

    // A 304 repeats the validators and caching, and names no length: it has no body.
    const notModified: Answer = { status: 304, kind: 'index', headers, body: Buffer.alloc(0) };
    return this.registry.host ? notModified : withVary(notModified, 'Host');
  }

  private miss(): Answer {
    const headers = { 'Cache-Control': `public, max-age=${MISS_MAX_AGE}` };
    return this.page(404, 'miss', this.notFound, headers);
  }

  private health(): Answer {
    const status = { status: 'ok', modules: this.registry.modules.length };
    return this.page(200, 'health', Buffer.from(`${JSON.stringify(status)}\n`), {
      'Cache-Control': 'no-store',
      'Content-Type': JSON_TYPE,
    });
  }

  private cached(): Record<string, string> {
    return { 'Cache-Control': `public, max-age=${this.registry.cacheMaxAge}` };
  }

  private page(
    status: number,
    kind: AnswerKind,
    body: Buffer,
    headers: Record<string, string>,
    module?: string,
  ): Answer {
    // Without a configured host the page names the Host the client asked for.
    const answer = makeAnswer(status, kind, body, headers);
    if (module !== undefined) answer.module = module;
    return this.registry.host ? answer : withVary(answer, 'Host');
  }
}

/** An Answer with its Content-Length, and Content-Type HTML unless `headers` say otherwise. */
export function makeAnswer(
  status: number,
  kind: AnswerKind,
  body: Buffer,
  headers: Record<string, string>,
): Answer {
  const all = { 'Content-Type': HTML, ...headers, 'Content-Length': String(body.length) };
  return { status, kind, headers: all, body };
}

/** The answer with `names` added to its Vary header, each once, in front. */
export function withVary(answer: Answer, ...names: string[]): Answer {
  const existing = answer.headers['Vary']?.split(/\s*,\s*/) ?? [];
  const vary = [...names, ...existing.filter((name) => !names.includes(name))].join(', ');
  return { ...answer, headers: { ...answer.headers, Vary: vary } };
}

export const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** 200 while the server takes traffic, 503 while it drains before exit. */
export function readinessAnswer(method: string, ready: boolean): Answer {
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed();
  const body = Buffer.from(`${JSON.stringify({ status: ready ? 'ready' : 'draining' })}\n`);
  const headers = { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' };
  return makeAnswer(ready ? 200 : 503, 'health', body, headers);
}

export function methodNotAllowed(): Answer {
  const body = Buffer.from('Method not allowed: use GET or HEAD.\n');
  return makeAnswer(405, 'method', body, { Allow: 'GET, HEAD', 'Content-Type': TEXT_TYPE });
}

/** 414 for a request target over `limit` bytes: a short fixed body that echoes nothing. */
export function uriTooLongAnswer(limit: number): Answer {
  const body = Buffer.from(`URI too long: the request target is over ${limit} bytes.\n`);
  return makeAnswer(414, 'too-long', body, {
    'Content-Type': TEXT_TYPE,
    'Cache-Control': 'no-store',
  });
}

export function badTargetAnswer(): Answer {
  return badRequest('the request target is not a path');
}

function badRequest(reason: string): Answer {
  const body = Buffer.from(`Bad request: ${reason}.\n`);
  return makeAnswer(400, 'bad-request', body, {
    'Content-Type': TEXT_TYPE,
    'Cache-Control': 'no-store',
  });
}
interface Target {
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
function safeQuery(query: string): string {
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
