/**
 * Lua-flavoured helpers so validation messages read exactly like api7/jsonschema's (the
 * library APISIX uses): Lua type names, LuaJIT `%q` quoting and `tostring` for numbers.
 */

/** Lua `type()` of a JSON value as cjson would decode it (null → cjson.null, a lightuserdata). */
export function luaType(v: unknown): string {
  if (v === null) return 'userdata';
  switch (typeof v) {
    case 'object':
      return 'table';
    case 'number':
    case 'string':
    case 'boolean':
      return typeof v;
    case 'undefined':
      return 'nil';
    default:
      return 'userdata';
  }
}

/**
 * api7/jsonschema `tablekind`: 0 = object (hash), 1 = empty table, 2 = array. An empty JSON
 * array and an empty JSON object are the same thing in Lua, so both are kind 1.
 */
export function tableKind(v: object): 0 | 1 | 2 {
  if (Array.isArray(v)) return v.length === 0 ? 1 : 2;
  for (const _ in v) return 0;
  return 1;
}

/** LuaJIT `string.format('%q', s)` (lj_strfmt_putquoted). */
export function luaQ(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '"' || ch === '\\' || ch === '\n') {
      out += '\\' + ch;
    } else if (c < 32 || c === 127) {
      const nextIsDigit = i + 1 < s.length && /[0-9]/.test(s[i + 1]!);
      out += '\\' + (c >= 100 || nextIsDigit ? String(c).padStart(3, '0') : String(c));
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** Lua `tostring(number)` (LuaJIT uses "%.14g"). */
export function luaNum(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  let s = n.toPrecision(14);
  let exp = '';
  const e = s.indexOf('e');
  if (e >= 0) {
    exp = s.slice(e);
    s = s.slice(0, e);
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (exp) exp = exp.replace(/^e([+-])(\d)$/, 'e$10$2');
  return s + exp;
}

/** UTF-8 code point count, as jsonschema's utf8_len. */
export function utf8Len(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** A `$secret://...` or case-insensitive `$env://...` reference (apisix/secret.lua is_secret_ref). */
export function isSecretRef(v: unknown): v is string {
  return typeof v === 'string' && (v.startsWith('$secret://') || /^\$env:\/\//i.test(v));
}

/** Deep equality of JSON values (jsonschema lib.deepeq). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
