import { ConfError } from './errors.js';

/** Path-aware typed reads over the merged YAML tree; every failure names the file and key. */
export class TreeReader {
  constructor(private readonly file: string) {}

  fail(path: string, expected: string, got: unknown): never {
    throw new ConfError(
      'conf_invalid',
      `invalid configuration in ${this.file}: ${path} ${expected}, got ${JSON.stringify(got) ?? String(got)}`,
    );
  }

  at(tree: unknown, path: string): unknown {
    let cur: unknown = tree;
    for (const part of path.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  }

  bool(tree: unknown, path: string, dflt: boolean): boolean {
    const v = this.at(tree, path);
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(path, 'must be true or false', v);
    return v;
  }

  str(tree: unknown, path: string, dflt: string): string {
    const v = this.at(tree, path);
    if (v === undefined) return dflt;
    if (typeof v !== 'string') this.fail(path, 'must be a string', v);
    return v;
  }

  optStr(tree: unknown, path: string): string | undefined {
    const v = this.at(tree, path);
    if (v === undefined) return undefined;
    // A password such as 123456 is parsed by YAML as a number; it is still a string secret.
    if (typeof v === 'number') return String(v);
    if (typeof v !== 'string') this.fail(path, 'must be a string', v);
    return v;
  }

  num(tree: unknown, path: string, dflt: number, min = 0): number {
    const v = this.at(tree, path);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.fail(path, `must be a number >= ${min}`, v);
    return v;
  }

  oneOf<T extends string>(tree: unknown, path: string, values: readonly T[], dflt: T): T {
    const v = this.at(tree, path);
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !values.includes(v as T)) this.fail(path, `must be one of ${values.join(', ')}`, v);
    return v as T;
  }

  /** A list of strings; a single string is accepted as a one-item list. */
  strList(tree: unknown, path: string): string[] | undefined {
    const v = this.at(tree, path);
    if (v === undefined) return undefined;
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) this.fail(path, 'must be a list of strings', v);
    return list as string[];
  }

  map(tree: unknown, path: string): Record<string, unknown> {
    const v = this.at(tree, path);
    if (v === undefined) return {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be a mapping', v);
    return v as Record<string, unknown>;
  }
}

/** A TCP port number 1..65535. */
export function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}
