/** Array, string and number keywords of the api7/jsonschema-compatible validator. */
import { compileSchema, isTable, toRegExp, type Schema, type Validator } from './compile.js';
import { deepEqual, luaNum, luaQ, tableKind, utf8Len } from './lua.js';

export function buildArray(schema: Schema): Validator {
  const items = schema.items;
  const minI = schema.minItems as number | undefined;
  const maxI = schema.maxItems as number | undefined;
  const tuple = Array.isArray(items) && items.length > 0 ? (items as Schema[]).map((s) => compileSchema(s)) : undefined;
  const list =
    !tuple && items !== undefined && typeof items === 'object' && !Array.isArray(items)
      ? compileSchema(items as Schema)
      : undefined;
  const additional = schema.additionalItems;
  const addCheck = typeof additional === 'object' && additional !== null ? compileSchema(additional) : undefined;
  const unique = schema.uniqueItems === true;
  return (v) => {
    if (items === false && !(isTable(v) && tableKind(v) === 1)) return 'expect false always';
    if (!isTable(v) || tableKind(v) < 1) return undefined;
    const arr = Array.isArray(v) ? (v as unknown[]) : [];
    if (minI !== undefined && arr.length < minI) return `expect array to have at least ${minI} items`;
    if (maxI !== undefined && arr.length > maxI) return `expect array to have at most ${maxI} items`;
    if (tuple) {
      for (let i = 0; i < tuple.length && i < arr.length; i++) {
        const err = tuple[i]!(arr[i]);
        if (err !== undefined) return `failed to validate item ${i + 1}: ${err}`;
      }
      if (additional === false && arr.length > tuple.length) return 'found unexpected extra items in array';
      if (addCheck) {
        for (let i = tuple.length; i < arr.length; i++) {
          const err = addCheck(arr[i]);
          if (err !== undefined) return `failed to validate additional item ${i + 1}: ${err}`;
        }
      }
    } else if (list) {
      for (let i = 0; i < arr.length; i++) {
        const err = list(arr[i]);
        if (err !== undefined) return `failed to validate item ${i + 1}: ${err}`;
      }
    }
    if (unique) {
      const dup = firstDuplicate(arr);
      if (dup) return `expected unique items but items ${dup[0]} and ${dup[1]} are equal`;
    }
    return undefined;
  };
}

/** jsonschema unique_item_in_array: scalars by first repeat, then tables pairwise (1-based). */
function firstDuplicate(arr: unknown[]): [number, number] | undefined {
  const seen = new Map<unknown, number>();
  const tables: number[] = [];
  for (let i = 0; i < arr.length; i++) {
    const val = arr[i];
    if (isTable(val)) {
      tables.push(i + 1);
      continue;
    }
    const prev = seen.get(val);
    if (prev !== undefined) return [prev, i + 1];
    seen.set(val, i + 1);
  }
  for (let a = 0; a < tables.length - 1; a++) {
    for (let b = a + 1; b < tables.length; b++) {
      if (deepEqual(arr[tables[a]! - 1], arr[tables[b]! - 1])) return [tables[a]!, tables[b]!];
    }
  }
  return undefined;
}

export function buildString(schema: Schema): Validator {
  const minL = schema.minLength as number | undefined;
  const maxL = schema.maxLength as number | undefined;
  const pat = schema.pattern as string | undefined;
  const re = pat !== undefined ? toRegExp(pat) : undefined;
  return (v) => {
    if (typeof v !== 'string') return undefined;
    if (minL !== undefined) {
      const c = utf8Len(v);
      if (c < minL) return `string too short, expected at least ${minL}, got ${c}`;
    }
    if (maxL !== undefined) {
      const c = utf8Len(v);
      if (c > maxL) return `string too long, expected at most ${maxL}, got ${c}`;
    }
    if (re && !re.test(v)) return `failed to match pattern ${luaQ(pat!)} with ${luaQ(v)}`;
    return undefined;
  };
}

export function buildNumber(schema: Schema): Validator {
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const xmin = schema.exclusiveMinimum as number | undefined;
  const xmax = schema.exclusiveMaximum as number | undefined;
  const mof = schema.multipleOf as number | undefined;
  return (v) => {
    if (typeof v !== 'number') return undefined;
    if (min !== undefined && v < min) return `expected ${luaNum(v)} to be at least ${luaNum(min)}`;
    if (typeof xmin === 'number' && v <= xmin) return `expected ${luaNum(v)} to be greater than ${luaNum(xmin)}`;
    if (max !== undefined && v > max) return `expected ${luaNum(v)} to be at most ${luaNum(max)}`;
    if (typeof xmax === 'number' && v >= xmax) return `expected ${luaNum(v)} to be smaller than ${luaNum(xmax)}`;
    if (mof !== undefined) {
      let bad: boolean;
      if (Number.isInteger(mof)) bad = v % mof !== 0;
      else {
        const q = v / mof;
        const r = Math.floor(q + 0.5);
        bad = Math.abs(q - r) > 1e-12 * (r === 0 ? 1 : Math.abs(r));
      }
      if (bad) return `expected ${luaNum(v)} to be a multiple of ${luaNum(mof)}`;
    }
    return undefined;
  };
}
