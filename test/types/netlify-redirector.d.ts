// Types for netlify-redirector, Netlify's rule matcher compiled to WebAssembly; it ships none.

declare module 'netlify-redirector' {
  /** One request as the matcher sees it: the path decoded, the query as sent. */
  export interface MatchRequest {
    scheme: string;
    host: string;
    path: string;
    query: string;
    getHeader(name: string): string;
    getCookie(name: string): string;
  }

  /** The first rule that matched, with :splat and placeholders filled into `to`. */
  export interface Match {
    from: string;
    to: string;
    status: number;
    force: boolean;
    force404?: boolean;
    conditions?: Record<string, string>;
    proxyHeaders?: Record<string, string>;
  }

  export interface Matcher {
    match(request: MatchRequest): Match | null;
  }

  export interface ParseOptions {
    jwtSecret?: string;
    jwtRoleClaim?: string;
  }

  /** The package is CommonJS: its module.exports holds both parsers. */
  const redirector: {
    /** Rules as JSON: objects with `origin` (the from path) and `params` (the query). */
    parseJSON(rules: string, options?: ParseOptions): Promise<Matcher>;
    /** Rules in the _redirects format. */
    parsePlain(rules: string, options?: ParseOptions): Promise<Matcher>;
  };
  export default redirector;
}
