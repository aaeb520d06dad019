// A Map that keeps at most `limit` entries, dropping the oldest: answers made on demand
// (a wildcard's modules, directory pages) must not let requests grow memory without end.
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  /** The value for `key`, made by `make` and kept when missing. */
  get(key: K, make: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) return found;

    const value = make();
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
