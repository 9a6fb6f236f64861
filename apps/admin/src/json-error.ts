/**
 * lua-cjson style decode error messages ("Expected object key string but found invalid token
 * at character 2"), produced only after JSON.parse failed so the fast path stays native.
 */

interface Token {
  type: string;
  index: number;
  error?: string;
}

class Lexer {
  pos = 0;
  constructor(private readonly s: string) {}

  next(): Token {
    const s = this.s;
    while (this.pos < s.length && ' \t\r\n'.includes(s[this.pos]!)) this.pos++;
    const index = this.pos;
    if (index >= s.length) return { type: 'T_END', index };
    const ch = s[index]!;
    const single: Record<string, string> = {
      '{': 'T_OBJ_BEGIN',
      '}': 'T_OBJ_END',
      '[': 'T_ARR_BEGIN',
      ']': 'T_ARR_END',
      ':': 'T_COLON',
      ',': 'T_COMMA',
    };
    if (single[ch]) {
      this.pos++;
      return { type: single[ch]!, index };
    }
    if (ch === '"') return this.string(index);
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(index));
      if (!m || m[0] === '-') return { type: 'T_ERROR', index, error: 'invalid number' };
      this.pos += m[0].length;
      return { type: 'T_NUMBER', index };
    }
    for (const [word, type] of [
      ['true', 'T_BOOLEAN'],
      ['false', 'T_BOOLEAN'],
      ['null', 'T_NULL'],
    ] as const) {
      if (s.startsWith(word, index)) {
        this.pos += word.length;
        return { type, index };
      }
    }
    return { type: 'T_ERROR', index, error: 'invalid token' };
  }

  private string(index: number): Token {
    const s = this.s;
    let i = index + 1;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '"') {
        this.pos = i + 1;
        return { type: 'T_STRING', index };
      }
      if (c === '\\') {
        const e = s[i + 1];
        if (e === undefined) break;
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6)))
            return { type: 'T_ERROR', index, error: 'invalid unicode escape code' };
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) return { type: 'T_ERROR', index, error: 'invalid escape code' };
        i += 2;
        continue;
      }
      i++;
    }
    return { type: 'T_ERROR', index, error: 'unexpected end of string' };
  }
}

class DecodeError extends Error {}

function expected(what: string, t: Token): never {
  const found = t.type === 'T_ERROR' ? t.error! : t.type;
  throw new DecodeError(`Expected ${what} but found ${found} at character ${t.index + 1}`);
}

function parseValue(lx: Lexer, t: Token, depth: number): void {
  if (depth > 1000) throw new DecodeError(`Found too many nested data structures (${depth}) at character ${t.index + 1}`);
  if (t.type === 'T_OBJ_BEGIN') {
    let k = lx.next();
    if (k.type === 'T_OBJ_END') return;
    for (;;) {
      if (k.type !== 'T_STRING') expected('object key string', k);
      const colon = lx.next();
      if (colon.type !== 'T_COLON') expected('colon', colon);
      parseValue(lx, lx.next(), depth + 1);
      const sep = lx.next();
      if (sep.type === 'T_OBJ_END') return;
      if (sep.type !== 'T_COMMA') expected('comma or object end', sep);
      k = lx.next();
    }
  }
  if (t.type === 'T_ARR_BEGIN') {
    let v = lx.next();
    if (v.type === 'T_ARR_END') return;
    for (;;) {
      parseValue(lx, v, depth + 1);
      const sep = lx.next();
      if (sep.type === 'T_ARR_END') return;
      if (sep.type !== 'T_COMMA') expected('comma or array end', sep);
      v = lx.next();
    }
  }
  if (['T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL'].includes(t.type)) return;
  expected('value', t);
}

/** The cjson error for an invalid JSON text (best effort; generic message when the grammars disagree). */
export function cjsonDecodeError(text: string): string {
  const lx = new Lexer(text);
  try {
    parseValue(lx, lx.next(), 1);
    const end = lx.next();
    if (end.type !== 'T_END') expected('the end', end);
  } catch (e) {
    if (e instanceof DecodeError) return e.message;
    throw e;
  }
  return 'Expected value but found invalid token at character 1';
}
