// Many pages kept as long as their registry, packed into a few large buffers.
//
// Buffer.from() cuts each page from a shared 8 KiB pool, and for a page of
// about 1 KB it starts a new pool long before the old one is full: kept for
// 10,000 module pages, that left 40% of their memory unused. A buffer per page
// wastes nothing but gives the garbage collector 10,000 more objects to sweep
// on every full collection. Large chunks, each page a view into one, do neither.

/** Bytes per chunk: some 250 module pages, a few dozen chunks at 10,000 modules. */
const CHUNK = 256 * 1024;

/**
 * A function giving the UTF-8 bytes of each text it is passed, packed one
 * after the other into shared chunks. Use one for pages that live and die
 * together: a kept page keeps its whole chunk.
 */
export function pagePacker(): (text: string) => Buffer {
  let chunk = Buffer.alloc(0);
  let used = 0;
  return (text) => {
    const size = Buffer.byteLength(text);
    if (used + size > chunk.length) {
      // Zeroed, unlike Buffer.from's pool: a chunk's unused end holds nothing from elsewhere.
      chunk = Buffer.alloc(Math.max(CHUNK, size));
      used = 0;
    }
    const bytes = chunk.subarray(used, used + size);
    bytes.write(text);
    used += size;
    return bytes;
  };
}
