/**
 * The expressions Portico evaluates inside lua-resty-template tags: a body variable path
 * (`topic`, `user.name`, `items[1]`, `a["b"]`), a string or number literal, `a or b`,
 * `_escape_json(x)` / `_escape_xml(x)`, `_body` and `_ctx.var.<name>` (body-transformer's
 * helpers). Parsed once per config revision; anything else is a compile error.
 */

export type Expr =
  | { readonly kind: 'path'; readonly root: string; readonly keys: readonly (string | number)[] }
  | { readonly kind: 'literal'; readonly value: string | number }
  | { readonly kind: 'or'; readonly items: readonly Expr[] }
  | { readonly kind: 'call'; readonly fn: '_escape_json' | '_escape_xml'; readonly arg: Expr }
  | { readonly kind: 'body' }
  | { readonly kind: 'var'; readonly name: string };

/** A tag expression Portico cannot evaluate (valid Lua beyond the supported subset, or invalid). */
export class TemplateCompileError extends Error {}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Expr {
    const e = this.orExpr();
    this.ws();
    if (this.i < this.src.length) this.fail(`unexpected '${this.src.slice(this.i)}'`);
    return e;
  }

  private fail(msg: string): never {
    throw new TemplateCompileError(`unsupported expression "${this.src.trim()}": ${msg}`);
  }

  private ws(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i]!)) this.i++;
  }

  private peekWord(): string | undefined {
    this.ws();
    return IDENT.exec(this.src.slice(this.i))?.[0];
  }

  private orExpr(): Expr {
    const items = [this.primary()];
    while (this.peekWord() === 'or') {
      this.i += 2;
      items.push(this.primary());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private primary(): Expr {
    this.ws();
    const rest = this.src.slice(this.i);
    const c = rest[0];
    if (c === '"' || c === "'") return { kind: 'literal', value: this.string() };
    const num = NUMBER.exec(rest);
    if (num) {
      this.i += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    if (c === '(') {
      this.i++;
      const e = this.orExpr();
      this.expect(')');
      return e;
    }
    const word = IDENT.exec(rest)?.[0];
    if (word === undefined) this.fail(c === undefined ? 'empty expression' : `unexpected '${rest}'`);
    this.i += word.length;
    if (word === '_escape_json' || word === '_escape_xml') {
      this.expect('(');
      const arg = this.orExpr();
      this.expect(')');
      return { kind: 'call', fn: word, arg };
    }
    const keys = this.keys();
    if (word === '_body') {
      if (keys.length > 0) this.fail('_body is a string');
      return { kind: 'body' };
    }
    if (word === '_ctx') {
      if (keys.length !== 2 || keys[0] !== 'var' || typeof keys[1] !== 'string') this.fail('only _ctx.var.<name> is supported');
      return { kind: 'var', name: keys[1] };
    }
    if (['and', 'not', 'nil', 'true', 'false', 'function', 'end'].includes(word)) this.fail(`'${word}' is not supported`);
    return { kind: 'path', root: word, keys };
  }

  private keys(): (string | number)[] {
    const keys: (string | number)[] = [];
    for (;;) {
      const c = this.src[this.i];
      if (c === '.') {
        this.i++;
        const w = IDENT.exec(this.src.slice(this.i))?.[0];
        if (w === undefined) this.fail("expected a name after '.'");
        this.i += w.length;
        keys.push(w);
      } else if (c === '[') {
        this.i++;
        this.ws();
        const q = this.src[this.i];
        if (q === '"' || q === "'") keys.push(this.string());
        else {
          const num = /^\d+/.exec(this.src.slice(this.i));
          if (!num) this.fail('only string and integer keys are supported');
          this.i += num[0].length;
          keys.push(Number(num[0]));
        }
        this.expect(']');
      } else if (c === ':' || c === '(') {
        this.fail('method and function calls are not supported');
      } else return keys;
    }
  }

  private string(): string {
    const quote = this.src[this.i]!;
    let out = '';
    for (this.i++; this.i < this.src.length; this.i++) {
      const c = this.src[this.i]!;
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const n = this.src[++this.i];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
        if (n === undefined || map[n] === undefined) this.fail('unsupported escape in string');
        out += map[n];
      } else out += c;
    }
    this.fail('unfinished string');
  }

  private expect(ch: string): void {
    this.ws();
    if (this.src[this.i] !== ch) this.fail(`'${ch}' expected`);
    this.i++;
  }
}

/** Parse a tag's expression. Throws TemplateCompileError. */
export function parseExpr(src: string): Expr {
  return new Parser(src).parse();
}
