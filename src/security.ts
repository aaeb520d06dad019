// The security headers every answer carries, taken from helmet once at start-up.
//
// Helmet stays the source of truth; running it once against a recorder gives a
// fixed header list that the Express app sends, and that other ways of serving
// (a static site's header rules) can reuse unchanged.
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** Our pages load nothing but their own inline styles; HSTS is left to the operator. */
const HELMET_OPTIONS = {
  strictTransportSecurity: false,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'style-src': ["'unsafe-inline'"],
      'img-src': ["'self'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    },
  },
  frameguard: { action: 'deny' as const },
};

let cached: HeaderList | undefined;

export function securityHeaders(): HeaderList {
  if (cached) return cached;

  const recorded = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => recorded.set(name, String(value)),
    removeHeader: (name: string) => recorded.delete(name),
  };
  helmet(HELMET_OPTIONS)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    () => undefined,
  );

  cached = Object.freeze([...recorded.entries()]);
  return cached;
}
