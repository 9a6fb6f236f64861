/**
 * Guard patterns as ngx.re compiles them with options "jou" (PCRE, UTF-8), translated to
 * JavaScript RegExps once per config revision. A leading PCRE inline-option group such as
 * `(?i)` becomes the matching RegExp flag.
 */
import { compileNgxRegex, ngxTest, RegexError, type NgxRegex } from '../rewrite-util/pcre.js';

const LEADING_OPTIONS = /^\(\?([imsx]+)\)/;

/** Compile one pattern; undefined when JavaScript cannot compile it. */
export function compileGuardPattern(pattern: string): NgxRegex | undefined {
  let src = pattern;
  let options = 'jou';
  const lead = LEADING_OPTIONS.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    options += lead[1];
  }
  try {
    return compileNgxRegex(src, options);
  } catch (e) {
    if (e instanceof RegexError) return undefined;
    throw e;
  }
}

/** `ngx.re.find(subject, pattern, "jou")` as a boolean. */
export function matches(subject: string, re: NgxRegex): boolean {
  return ngxTest(subject, re);
}
