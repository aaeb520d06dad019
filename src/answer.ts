// The protocol: one request (method, host, target) to one Answer. No sockets, no clock.
//
// Every way of serving (the Express app, the static site) takes its answers
// from here, so they cannot drift apart. Pages that depend only on the
// registry are rendered once, when the Answerer is built.
import { requestImportPath } from './module-path.js';
import { isGoGet, requestHost, safeQuery, splitTarget } from './request-target.js';

import type { Module, Registry } from './registry.js';
import { etagMatches, IndexPage } from './index-page.js';
import { Renderer } from './render.js';
import { docsLocation } from './docs.js';
import { listing, listingJson, listModule } from './listing.js';
import { CLONE_SUFFIX, cloneAnswer, indexForm, isCloneDiscovery } from './clone-and-accept.js';
import { BoundedCache } from './bounded-cache.js';
import { pagePacker } from './page-bytes.js';

export { isGoGet, requestHost, splitTarget } from './request-target.js';

export type AnswerKind =
  | 'go-get'
  | 'browser'
  | 'index'
  | 'directory'
  | 'clone'
  | 'miss'
  | 'health'
  | 'bad-request'
  | 'method'
  | 'too-long';

export interface VanityRequest {
  method: string;
  /** The request target as sent: origin form ("/a?b") or absolute form ("http://h/a?b"). */
  target: string;
  /** The Host header, if any; ignored when the registry names its host. */
  host?: string | undefined;
  /** Accept-Encoding and If-None-Match, for the index page, which is large and changes rarely. */
  acceptEncoding?: string | undefined;
  /** Accept: `application/json` at "/" asks for the index as JSON. */
  accept?: string | undefined;
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
export const INDEX_JSON_PATH = '/.well-known/vanity/index.json';
export const MISS_MAX_AGE = 300;
const MISS_CACHE = `public, max-age=${MISS_MAX_AGE}`;
/** The longest host, path and query whose redirect is kept: 1,024 of them hold about 2 MiB. */
const KEPT_TARGET_MAX = 256;
const HTML = 'text/html; charset=utf-8';

/** Answers requests for one registry; build a new one when the registry changes. */
export class Answerer implements Answering {
  /** With a configured host, each module's go-get answer is built once and shared. */
  private readonly moduleAnswers = new Map<string, Answer>();
  /** Wildcard modules and directory pages are built on first use; a bound keeps them few. */
  private readonly madeAnswers = new BoundedCache<string, Answer>(4096);
  private readonly redirects = new BoundedCache<string, Answer>(1024);
  private readonly notFound: Buffer;
  private missAnswer: Answer | undefined;
  /** With a configured host, the index's HTML and JSON forms, each built once. */
  private readonly indexes = new Map<'html' | 'json', IndexPage>();

  constructor(
    readonly registry: Registry,
    readonly renderer: Renderer = new Renderer(),
  ) {
    const host = registry.host;
    this.notFound = Buffer.from(renderer.notFoundPage());
    if (!host) return;
    // The HTML index is built now, so that a template failing on it fails the start.
    this.indexPage(host, 'html');
    const pack = pagePacker();
    for (const module of registry.modules) {
      this.moduleAnswers.set(module.path, this.frozen(this.modulePage(module, host, pack)));
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
    if (target.path === INDEX_JSON_PATH) return this.indexAnswer(host, request, 'json', false);

    const path = requestImportPath(target.path);
    if (path !== null && isCloneDiscovery(path, target.query)) {
      return this.clone(path, target.query);
    }
    const match = path === null ? undefined : this.registry.lookup(path);
    const goGet = isGoGet(target.query);

    if (!match || path === null) {
      if (path === null || goGet) return this.miss();
      if (path === '/') return this.indexAnswer(host, request, indexForm(request.accept), true);
      return this.directory(host, path) ?? this.miss();
    }
    const module = match.module;
    return goGet ? this.goGet(module, host) : this.browser(host, path, target.query, module);
  }

  /** git's discovery request: the module is the one of the path before `/info/refs`. */
  private clone(path: string, query: string): Answer {
    const match = this.registry.lookup(path.slice(0, -CLONE_SUFFIX.length) || '/');
    if (!match) return this.miss();
    return this.page(cloneAnswer(match.module, query, this.registry.cacheMaxAge), match.module);
  }

  private goGet(module: Module, host: string): Answer {
    const prebuilt = this.moduleAnswers.get(module.path);
    if (prebuilt) return prebuilt;
    // Wildcard modules are made per request; with a host, their pages are kept a while.
    if (!this.registry.host) return this.modulePage(module, host);
    return this.madeAnswers.get(module.path, () => this.frozen(this.modulePage(module, host)));
  }

  /** A module's go-get answer; `bytes` packs the pages kept for this registry's life. */
  private modulePage(
    module: Module,
    host: string,
    bytes: (text: string) => Buffer = (text) => Buffer.from(text),
  ): Answer {
    const docsUrl = docsLocation(this.registry.docs, module, host, module.path);
    const body = bytes(this.renderer.modulePage(module, host, docsUrl));
    return this.page(makeAnswer(200, 'go-get', body, this.cached()), module);
  }

  /**
   * A docs redirect. The same few pages are asked for again and again, so the
   * latest answers are kept, frozen (their header list is then kept too); a
   * bound keeps a flood of distinct queries from growing memory.
   */
  private browser(host: string, path: string, query: string, module: Module): Answer {
    const key = query ? `${host}${path}?${query}` : `${host}${path}`;
    // Long targets are rare and would hold kilobytes each: they are never kept.
    if (key.length > KEPT_TARGET_MAX) return this.redirect(host, path, query, module);
    return this.redirects.get(key, () => this.frozen(this.redirect(host, path, query, module)));
  }

  private redirect(host: string, path: string, query: string, module: Module): Answer {
    const docs = docsLocation(this.registry.docs, module, host, path);
    const location = docs + (query ? `?${safeQuery(query)}` : '');
    const body = Buffer.from(this.renderer.redirectPage(location));
    // makeAnswer's headers in its order, as one literal: this runs for every browser request.
    const headers = {
      'Content-Type': HTML,
      'Cache-Control': `public, max-age=${this.registry.cacheMaxAge}`,
      Location: location,
      'Content-Length': String(body.length),
    };
    return this.page({ status: 302, kind: 'browser', headers, body }, module);
  }

  /** A folder holding listed modules, when it is none itself; undefined when it holds none. */
  private directory(host: string, path: string): Answer | undefined {
    // A binary search tells a folder from a miss; only folders are kept, so that
    // requests for paths that hold nothing never push wildcard modules out.
    const below = this.registry.listedBelow(path);
    if (below.length === 0) return undefined;

    const make = () => {
      const modules = below.map((module) => listModule(this.registry, module, host));
      const body = Buffer.from(this.renderer.directoryPage(host, path, modules));
      const headers = { 'Cache-Control': `public, max-age=${MISS_MAX_AGE}` };
      return this.page(makeAnswer(200, 'directory', body, headers));
    };
    return this.registry.host ? this.madeAnswers.get(`dir:${path}`, make) : make();
  }

  /** One form of the index; the JSON form needs no template, so it never fails with one. */
  private indexPage(host: string, form: 'html' | 'json'): IndexPage {
    const kept = this.indexes.get(form);
    if (kept) return kept;

    const list = listing(this.registry, host);
    const text = form === 'html' ? this.renderer.indexPage(list) : listingJson(list);
    const page = new IndexPage(Buffer.from(text));
    if (this.registry.host) this.indexes.set(form, page);
    return page;
  }

  /** The index as HTML or JSON; `negotiated` when the Accept header chose the form. */
  private indexAnswer(
    host: string,
    request: VanityRequest,
    form: 'html' | 'json',
    negotiated: boolean,
  ): Answer {
    const page = this.indexPage(host, form);
    const { body, etag, encoding } = page.representation(request.acceptEncoding);
    const headers: Record<string, string> = {
      'Cache-Control': `public, max-age=${MISS_MAX_AGE}`,
      ETag: etag,
      Vary: negotiated ? 'Accept, Accept-Encoding' : 'Accept-Encoding',
    };
    if (form === 'json') headers['Content-Type'] = JSON_TYPE;
    if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
    if (!etagMatches(request.ifNoneMatch, etag)) {
      return this.page(makeAnswer(200, 'index', body, headers));
    }

    // A 304 repeats the validators and caching, and names no length: it has no body.
    const notModified: Answer = { status: 304, kind: 'index', headers, body: Buffer.alloc(0) };
    return this.registry.host ? notModified : withVary(notModified, 'Host');
  }

  /** The same answer to every miss, made once: a miss should cost nothing to send. */
  private miss(): Answer {
    this.missAnswer ??= this.frozen(
      this.page(makeAnswer(404, 'miss', this.notFound, { 'Cache-Control': MISS_CACHE })),
    );
    return this.missAnswer;
  }

  private health(): Answer {
    const status = { status: 'ok', modules: this.registry.modules.length };
    const headers = { 'Cache-Control': 'no-store', 'Content-Type': JSON_TYPE };
    const body = Buffer.from(`${JSON.stringify(status)}\n`);
    return this.page(makeAnswer(200, 'health', body, headers));
  }

  private cached(): Record<string, string> {
    return { 'Cache-Control': `public, max-age=${this.registry.cacheMaxAge}` };
  }

  /**
   * The answer as this registry sends it: naming the module that answered (a
   * wildcard's pattern, so that logs and metrics keep few names) and, without a
   * configured host, varying on the Host the page names.
   */
  private page(answer: Answer, module?: Module): Answer {
    if (module !== undefined) answer.module = module.pattern ?? module.path;
    return this.registry.host ? answer : withVary(answer, 'Host');
  }

  /**
   * A frozen copy, made apart from makeAnswer(). V8 learns where long-lived
   * objects are made: had it seen the 10,000 module answers made there at
   * start-up all live on, it would make every later answer there (each miss,
   * each index) straight in the old generation, as garbage that only a full
   * collection frees.
   */
  private frozen(answer: Answer): Answer {
    const headers = Object.freeze(Object.assign({}, answer.headers));
    return Object.freeze(Object.assign({}, answer, { headers }));
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
