// Reproduces lua-cjson's decode error text ("Expected <what> but found <token> at character <n>",
// lua_cjson.c json_throw_parse_error) so 400 bodies match APISIX byte for byte. Only run after
// JSON.parse failed, so it never costs anything on valid requests.

type Tok =
  | { t: 'T_OBJ_BEGIN' | 'T_OBJ_END' | 'T_ARR_BEGIN' | 'T_ARR_END' | 'T_COLON' | 'T_COMMA' | 'T_END'; i: number }
  | { t: 'T_STRING' | 'T_NUMBER' | 'T_BOOLEAN' | 'T_NULL'; i: number }
  | { t: 'T_ERROR'; i: number; msg: string };

class CjsonError extends Error {}

const SINGLE: Record<number, Tok['t']> = {
  123: 'T_OBJ_BEGIN',
  125: 'T_OBJ_END',
  91: 'T_ARR_BEGIN',
  93: 'T_ARR_END',
  58: 'T_COLON',
  44: 'T_COMMA',
};
const ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const NUMBER_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

class Scanner {
  private p = 0;
  constructor(private readonly s: Buffer) {}

  next(): Tok {
    const s = this.s;
    while (this.p < s.length && (s[this.p] === 0x20 || s[this.p] === 0x09 || s[this.p] === 0x0a || s[this.p] === 0x0d)) this.p++;
    const i = this.p;
    if (i >= s.length || s[i] === 0) return { t: 'T_END', i };
    const ch = s[i]!;
    const single = SINGLE[ch];
    if (single) {
      this.p++;
      return { t: single, i } as Tok;
    }
    if (ch === 0x22) return this.string(i);
    if (ch === 0x2d || (ch >= 0x30 && ch <= 0x39)) {
      const m = NUMBER_RE.exec(s.toString('latin1', i, Math.min(s.length, i + 400)));
      if (!m) return { t: 'T_ERROR', i, msg: 'invalid number' };
      this.p += m[0].length;
      return { t: 'T_NUMBER', i };
    }
    for (const [word, t] of [
      ['true', 'T_BOOLEAN'],
      ['false', 'T_BOOLEAN'],
      ['null', 'T_NULL'],
    ] as const) {
      if (s.toString('latin1', i, i + word.length) === word) {
        this.p += word.length;
        return { t, i };
      }
    }
    return { t: 'T_ERROR', i, msg: 'invalid token' };
  }

  private string(start: number): Tok {
    const s = this.s;
    this.p = start + 1;
    while (true) {
      const ch = s[this.p];
      if (ch === undefined || ch === 0) return { t: 'T_ERROR', i: this.p, msg: 'unexpected end of string' };
      if (ch === 0x22) break;
      if (ch === 0x5c) {
        const e = s[this.p + 1];
        if (e === 0x75) {
          const hex = s.toString('latin1', this.p + 2, this.p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return { t: 'T_ERROR', i: this.p, msg: 'invalid unicode escape code' };
          this.p += 6;
          continue;
        }
        if (e === undefined || !ESCAPES.has(e)) return { t: 'T_ERROR', i: this.p, msg: 'invalid escape code' };
        this.p++;
      }
      this.p++;
    }
    this.p++;
    return { t: 'T_STRING', i: start };
  }
}

function fail(expected: string, tok: Tok): never {
  const found = tok.t === 'T_ERROR' ? tok.msg : tok.t;
  throw new CjsonError(`Expected ${expected} but found ${found} at character ${tok.i + 1}`);
}

function value(sc: Scanner, tok: Tok): void {
  switch (tok.t) {
    case 'T_STRING':
    case 'T_NUMBER':
    case 'T_BOOLEAN':
    case 'T_NULL':
      return;
    case 'T_OBJ_BEGIN': {
      let t = sc.next();
      if (t.t === 'T_OBJ_END') return;
      for (;;) {
        if (t.t !== 'T_STRING') fail('object key string', t);
        t = sc.next();
        if (t.t !== 'T_COLON') fail('colon', t);
        value(sc, sc.next());
        t = sc.next();
        if (t.t === 'T_OBJ_END') return;
        if (t.t !== 'T_COMMA') fail('comma or object end', t);
        t = sc.next();
      }
    }
    case 'T_ARR_BEGIN': {
      let t = sc.next();
      if (t.t === 'T_ARR_END') return;
      for (;;) {
        value(sc, t);
        t = sc.next();
        if (t.t === 'T_ARR_END') return;
        if (t.t !== 'T_COMMA') fail('comma or array end', t);
        t = sc.next();
      }
    }
    default:
      fail('value', tok);
  }
}

/**
 * lua-cjson's error message for an invalid JSON document, or undefined when cjson would
 * accept it (then the caller falls back to a generic message).
 */
export function cjsonDecodeError(input: Buffer | string): string | undefined {
  const sc = new Scanner(typeof input === 'string' ? Buffer.from(input) : input);
  try {
    value(sc, sc.next());
    const end = sc.next();
    if (end.t !== 'T_END') fail('the end', end);
    return undefined;
  } catch (err) {
    if (err instanceof CjsonError) return err.message;
    throw err;
  }
}
