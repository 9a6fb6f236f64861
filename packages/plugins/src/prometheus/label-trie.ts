/**
 * A cache keyed by a sequence of label values: one map lookup per value, no key string built.
 * Holds at most `max` leaves; past that it starts over (label sets are bounded in practice;
 * the bound protects memory from client-controlled values).
 */
interface Node<T> {
  next: Map<string, Node<T>> | undefined;
  leaf: T | undefined;
}

export class LabelTrie<T> {
  private root: Node<T> = { next: undefined, leaf: undefined };
  private leaves = 0;
  private cur: Node<T> = this.root;

  constructor(private readonly max = 20_000) {}

  /** Start a lookup. */
  begin(): this {
    this.cur = this.root;
    return this;
  }

  /** Descend by one label value. */
  step(v: string): this {
    const m = (this.cur.next ??= new Map());
    let c = m.get(v);
    if (c === undefined) m.set(v, (c = { next: undefined, leaf: undefined }));
    this.cur = c;
    return this;
  }

  /** The value at the current position, made by `make` on first use. */
  leaf(make: () => T): T {
    const n = this.cur;
    if (n.leaf !== undefined) return n.leaf;
    if (++this.leaves > this.max) {
      this.clear();
      this.leaves = 1;
    }
    return (n.leaf = make());
  }

  clear(): void {
    this.root = { next: undefined, leaf: undefined };
    this.cur = this.root;
    this.leaves = 0;
  }
}
