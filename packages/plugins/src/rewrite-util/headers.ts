/** Header checks and edits shared by proxy-rewrite and response-rewrite. */

/** core.utils.validate_header_field: visible ASCII except `:`. */
export function validHeaderField(field: string): boolean {
  for (let i = 0; i < field.length; i++) {
    const b = field.charCodeAt(i);
    if (!(b > 32 && b < 127) || b === 58) return false;
  }
  return true;
}

/** core.utils.validate_header_value: no control characters and no byte >= 127 (numbers always pass). */
export function validHeaderValue(value: unknown): boolean {
  if (typeof value !== 'string') return true;
  for (let i = 0; i < value.length; i++) {
    const b = value.charCodeAt(i);
    if (b < 32 || b >= 127) return false;
  }
  return true;
}

/** A number as Lua's tostring writes it (integers without a fraction). */
export function luaToString(v: string | number): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  // %.14g
  const s = v.toPrecision(14);
  return s.includes('e') ? s.replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2') : s.replace(/\.?0+$/, '');
}

/** Append `value` to a header map entry (a second value makes it a list). */
export function appendHeader(headers: Record<string, string | readonly string[] | undefined>, name: string, value: string): void {
  const cur = headers[name];
  if (cur === undefined) headers[name] = value;
  else headers[name] = typeof cur === 'string' ? [cur, value] : [...cur, value];
}
