// The index page as a prebuilt representation: compressed once, validated by ETag.
//
// At ten thousand modules the index is the one large page we send; building
// it, and each compressed form, once per config keeps it cheap to serve.
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip' | 'identity';

export interface Representation {
  body: Buffer;
  etag: string;
  encoding: Encoding;
}

export class IndexPage {
  private readonly tag: string;
  private readonly cache = new Map<Encoding, Representation>();

  constructor(readonly body: Buffer) {
    this.tag = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  }

  /** The form a client's Accept-Encoding prefers, compressed on first use. */
  representation(acceptEncoding: string | undefined): Representation {
    const encoding = pickEncoding(acceptEncoding);
    let found = this.cache.get(encoding);
    if (!found) {
      const suffix = encoding === 'identity' ? '' : `-${encoding}`;
      found = { body: encode(this.body, encoding), etag: `"${this.tag}${suffix}"`, encoding };
      this.cache.set(encoding, found);
    }
    return found;
  }
}

function encode(body: Buffer, encoding: Encoding): Buffer {
  if (encoding === 'gzip') return gzipSync(body, { level: 6 });
  if (encoding === 'br') {
    // Quality 5 compresses nearly as well as 11 on HTML, in a fraction of the time.
    return brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
  }
  return body;
}

/** br, then gzip, when the client accepts them (q above 0); otherwise identity. */
export function pickEncoding(header: string | undefined): Encoding {
  if (!header) return 'identity';
  const accepted = new Set<string>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((item) => item.trim());
    const q = params.find((param) => param.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/** If-None-Match holds this ETag (weak comparison, as RFC 9110 asks for this header). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
