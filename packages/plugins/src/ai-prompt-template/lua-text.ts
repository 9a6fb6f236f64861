/**
 * How lua-resty-template turns a Lua value into text (template.output / template.escape), for
 * values decoded from a JSON request body by lua-cjson.
 */

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '/': '&#47;',
};

/** template.escape's HTML escaping of a string (`{{ }}` tags). */
export function htmlEscape(s: string): string {
  return s.replace(/[&<>"'/]/g, (c) => HTML_ENTITIES[c]!);
}

/** Lua's `tostring(number)` (LuaJIT formats with "%.14g"). */
export function luaNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expText] = n.toExponential(13).split('e') as [string, string];
  const exp = Number(expText);
  const trim = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= 14) {
    const e = Math.abs(exp);
    return `${trim(mant)}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return trim(n.toFixed(13 - exp));
}

/** lua-cjson's encoding of a decoded JSON value (numbers "%.14g", `/` not escaped, as APISIX sets). */
export function cjsonEncode(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? luaNumber(v) : 'null';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(cjsonEncode).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    // lua-cjson encodes an empty table as an object.
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${cjsonEncode(x)}`).join(',')}}`;
  }
  return 'null';
}

/**
 * template.output (`{* *}`) or template.escape (`{{ }}`) of a value: nil and JSON null give "",
 * strings are escaped for `{{ }}`, numbers and booleans print as Lua does. Objects and arrays
 * print as JSON (Lua would print a table address).
 */
export function luaText(v: unknown, escape: boolean): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return escape ? htmlEscape(v) : v;
  if (typeof v === 'number') return luaNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const json = cjsonEncode(v);
  return escape ? htmlEscape(json) : json;
}
