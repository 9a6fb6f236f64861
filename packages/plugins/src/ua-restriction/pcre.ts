/**
 * PCRE patterns (ngx.re, as ua-restriction uses them) compiled to JavaScript RegExps once per
 * config revision. Compile errors are worded as lua-resty-core's `re_match_compile` reports
 * them: `pcre_compile() failed: <reason> in "<pattern>"`.
 */

/** PCRE's wording for the errors JavaScript reports differently (PCRE 8 compile messages). */
const PCRE_REASONS: readonly (readonly [RegExp, string])[] = [
  [/Unterminated group/i, 'missing )'],
  [/Unmatched '\)'/i, 'unmatched parentheses'],
  [/Unterminated character class/i, 'missing terminating ] for character class'],
  [/Nothing to repeat/i, 'nothing to repeat'],
  [/numbers out of order/i, 'numbers out of order in {} quantifier'],
  [/\\ at end of pattern/i, '\\ at end of pattern'],
  [/Invalid group/i, 'unrecognized character after (? or (?-'],
];

function reason(err: Error): string {
  for (const [re, text] of PCRE_REASONS) if (re.test(err.message)) return text;
  const m = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(err.message);
  return (m?.[1] ?? err.message).toLowerCase();
}

/**
 * PCRE's subject anchors, which JavaScript would read as the letters A/z/Z: `\A` → `^`,
 * `\z` → `$` (no multiline flag: the very end), `\Z` → before an optional final newline.
 */
function translateAnchors(source: string): string {
  if (!source.includes('\\')) return source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      const n = source[++i]!;
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'z') out += '$';
      else if (!inClass && n === 'Z') out += '(?=\\n?$)';
      else out += c + n;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

/**
 * Compile `pattern` as ngx.re does with options "jo" (case-sensitive, no anchoring). A leading
 * `(?i)` (PCRE inline caseless option) becomes the `i` flag; `\A`, `\z`, `\Z` keep their PCRE
 * meaning. Returns the error text instead of a RegExp when the pattern does not compile.
 */
export function compilePcre(pattern: string): RegExp | string {
  let source = pattern;
  let flags = '';
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  try {
    return new RegExp(translateAnchors(source), flags);
  } catch (e) {
    return `pcre_compile() failed: ${reason(e as Error)} in "${pattern}"`;
  }
}
