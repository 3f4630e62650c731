/** Values by key, made on first use; beyond `max` entries the least recently used is dropped. */
export function boundedCache<V>(max: number) {
  const entries = new Map<string, V>();
  return {
    get(key: string, make: () => V): V {
      let v = entries.get(key);
      if (v !== undefined) {
        // Map keeps insertion order: moving a hit to the end leaves the least recently used first.
        entries.delete(key);
      } else {
        v = make();
        if (entries.size >= max) entries.delete(entries.keys().next().value as string);
      }
      entries.set(key, v);
      return v;
    },
    get size(): number {
      return entries.size;
    },
  };
}
