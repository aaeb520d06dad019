// pagePacker(): each page's exact UTF-8 bytes, many pages to a shared chunk.
import { describe, expect, it } from 'vitest';
import { pagePacker } from '../src/page-bytes.js';

describe('pagePacker', () => {
  it('gives each text its own UTF-8 bytes, none overlapping another', () => {
    const pack = pagePacker();
    const texts = ['<p>a</p>', 'ünïcode ☃ and 𝄞', '', 'x'.repeat(1000), '<p>last</p>'];
    const packed = texts.map((text) => pack(text));

    packed.forEach((bytes, i) => expect(bytes).toEqual(Buffer.from(texts[i] ?? '')));
    packed[1]?.fill(0);
    expect(packed[0]?.toString()).toBe(texts[0]);
    expect(packed[2]?.toString()).toBe(texts[2]);
  });

  it('packs small pages into one chunk and gives a page larger than a chunk its own', () => {
    const pack = pagePacker();
    const small = [pack('a'.repeat(900)), pack('b'.repeat(900))];
    const large = pack('c'.repeat(300 * 1024));

    expect(small[0]?.buffer).toBe(small[1]?.buffer);
    expect(large.buffer).not.toBe(small[0]?.buffer);
    expect(large.length).toBe(300 * 1024);
    expect(pack('d').buffer).not.toBe(large.buffer);
  });
});
