/**
 * ngx.re (PCRE) regexes and replacement templates as JavaScript RegExps, compiled once.
 * Covers the options APISIX confs use (`j`, `o` are no-ops; `i`, `m`, `s`, `x`, `u`, `a`
 * anchored, `D`, `J`), PCRE's `\A`, `\z`, `\Z` anchors, and ngx.re.sub's template syntax
 * (`$0`..`$N`, `${N}`, `$$`). Pattern features JavaScript lacks throw a RegexError.
 */

/** A pattern or replacement template JavaScript cannot compile. */
export class RegexError extends Error {}

/** A compiled ngx.re pattern: `re` has the `g` flag when built for a global substitution. */
export interface NgxRegex {
  readonly source: string;
  readonly re: RegExp;
  /** Option `a`: the match must start at the subject's first character. */
  readonly anchored: boolean;
}

/** Strip PCRE extended-mode (`x`) whitespace and `#` comments outside character classes. */
function stripExtended(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      out += c + (p[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') continue;
    if (c === '#') {
      while (i < p.length && p[i] !== '\n') i++;
      continue;
    }
    out += c;
  }
  return out;
}

/** PCRE-only escapes with a JavaScript equivalent (outside classes only: `\A`, `\z`, `\Z`). */
function translateAnchors(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      i++;
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'z') out += '$(?![\\s\\S])';
      else if (!inClass && n === 'Z') out += '(?=\\n?$(?![\\s\\S]))';
      else out += c + n;
      continue;
    }
    if (inClass && c === ']') inClass = false;
    else if (!inClass && c === '[') inClass = true;
    out += c;
  }
  return out;
}

/** Compile `pattern` with ngx.re `options` (default "jo"). Throws RegexError with the engine's message. */
export function compileNgxRegex(pattern: string, options = 'jo', global = false): NgxRegex {
  let flags = global ? 'g' : '';
  let anchored = false;
  let src = pattern;
  for (const o of options) {
    switch (o) {
      case 'i':
        flags += 'i';
        break;
      case 'm':
        flags += 'm';
        break;
      case 's':
        flags += 's';
        break;
      case 'x':
        src = stripExtended(src);
        break;
      case 'a':
        anchored = true;
        break;
      case 'j':
      case 'o':
      case 'u':
      case 'U':
      case 'D':
      case 'J':
        break;
      default:
        throw new RegexError(`unknown flag "${o}" (flags "${options}")`);
    }
  }
  src = translateAnchors(src);
  if (anchored) src = `(?:${src})`;
  if (anchored) flags += 'y';
  try {
    return { source: pattern, re: new RegExp(src, flags), anchored };
  } catch (e) {
    throw new RegexError(
      `pcre_compile() failed: ${(e as Error).message.replace(/^Invalid regular expression: /, '')} in "${pattern}"`,
    );
  }
}

/** `ngx.re.match(subject, re)`: the captures (index 0 = whole match, unset groups undefined) or undefined. */
export function ngxMatch(subject: string, r: NgxRegex): RegExpExecArray | undefined {
  r.re.lastIndex = 0;
  return r.re.exec(subject) ?? undefined;
}

/** `ngx.re.find(subject, re)` as a boolean. */
export function ngxTest(subject: string, r: NgxRegex): boolean {
  r.re.lastIndex = 0;
  return r.re.test(subject);
}

/** One piece of a compiled replacement template: literal text or a capture index. */
type Piece = string | number;

/** A compiled ngx.re.sub replacement template. */
export interface Replacement {
  readonly pieces: readonly Piece[];
}

/**
 * Compile an ngx.re.sub template: `$N` / `${N}` insert capture N (empty when unset), `$$` is a
 * literal `$`. Any other `$` is an error, as in lua-nginx-module.
 */
export function compileReplacement(template: string): Replacement {
  const pieces: Piece[] = [];
  let lit = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      lit += c;
      continue;
    }
    const n = template[i + 1];
    if (n === '$') {
      lit += '$';
      i++;
      continue;
    }
    let m: RegExpExecArray | null = null;
    if (n === '{') m = /^\{(\d+)\}/.exec(template.slice(i + 1));
    else if (n !== undefined && n >= '0' && n <= '9') m = /^(\d+)/.exec(template.slice(i + 1));
    if (m === null) throw new RegexError(`invalid capturing variable name found in "${template.slice(i)}"`);
    if (lit !== '') pieces.push(lit);
    lit = '';
    pieces.push(Number(m[1]));
    i += m[0].length;
  }
  if (lit !== '') pieces.push(lit);
  return { pieces };
}

function expand(rep: Replacement, m: RegExpExecArray): string {
  let out = '';
  for (const p of rep.pieces) out += typeof p === 'string' ? p : (m[p] ?? '');
  return out;
}

/**
 * `ngx.re.sub` (first match) or `ngx.re.gsub` (every match; `r` must be compiled global):
 * the new string and the number of substitutions.
 */
export function ngxSub(subject: string, r: NgxRegex, rep: Replacement): { out: string; n: number } {
  const re = r.re;
  re.lastIndex = 0;
  if (!re.global) {
    const m = re.exec(subject);
    if (m === null) return { out: subject, n: 0 };
    return { out: subject.slice(0, m.index) + expand(rep, m) + subject.slice(m.index + m[0].length), n: 1 };
  }
  let out = '';
  let last = 0;
  let n = 0;
  for (;;) {
    const m = re.exec(subject);
    if (m === null) break;
    out += subject.slice(last, m.index) + expand(rep, m);
    last = m.index + m[0].length;
    n++;
    if (m[0].length === 0) {
      if (re.lastIndex >= subject.length) break;
      re.lastIndex++;
    }
    if (r.anchored) break;
  }
  return { out: out + subject.slice(last), n };
}
