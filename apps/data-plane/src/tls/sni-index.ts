/**
 * Server-certificate lookup by SNI, as apisix/ssl/router/radixtree_sni.lua matches: names are
 * compared lower-cased; an exact name wins; else the longest `*.suffix` whose suffix ends the
 * name, which then only matches one more label (`*.test.com` serves `a.test.com`, not
 * `a.b.test.com` nor `test.com`); else a `*` catch-all. Built once per config revision.
 */
export class SniIndex<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by the suffix including its leading dot: `*.test.com` → `.test.com`. */
  private readonly wildcard = new Map<string, T>();
  private catchAll: T | undefined;

  /** Register `value` for each name; the first registration of a name wins (APISIX keeps the first route). */
  add(names: readonly string[], value: T): void {
    for (const raw of names) {
      const name = raw.toLowerCase();
      if (name === '*') this.catchAll ??= value;
      else if (name.startsWith('*.')) {
        if (!this.wildcard.has(name.slice(1))) this.wildcard.set(name.slice(1), value);
      } else if (!this.exact.has(name)) this.exact.set(name, value);
    }
  }

  get size(): number {
    return this.exact.size + this.wildcard.size + (this.catchAll === undefined ? 0 : 1);
  }

  /** The entry serving `servername`, or undefined (the handshake then fails). */
  match(servername: string): T | undefined {
    const name = servername.toLowerCase();
    const hit = this.exact.get(name);
    if (hit !== undefined) return hit;
    const first = name.indexOf('.');
    // Longest suffix first: the nearest dot gives the longest suffix.
    for (let i = first; i >= 0; i = name.indexOf('.', i + 1)) {
      const w = this.wildcard.get(name.slice(i));
      // A longer wildcard prefix is the radixtree's match even when it spans more than one
      // label, and APISIX then refuses it rather than falling back to a shorter one.
      if (w !== undefined) return i === first && first > 0 ? w : undefined;
    }
    return this.catchAll;
  }
}
