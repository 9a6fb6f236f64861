/**
 * Origin matching of cors.lua, on values parsed once: a comma list becomes a Set, regex lists
 * one alternation. Results follow the Lua exactly, including `nil == nil` being a match.
 */
import { compileNgxRegex, ngxTest, type NgxRegex } from '../rewrite-util/pcre.js';

/** An `allow_origins`-style value parsed once: `**`, a single value, or a comma list. */
export type OriginRule = { kind: 'force' } | { kind: 'single'; value: string } | { kind: 'list'; set: ReadonlySet<string> };

/** cors.lua create_multiple_origin_cache: a list only when the value has a comma. */
export function parseOrigins(value: string): OriginRule {
  if (value === '**') return { kind: 'force' };
  if (!value.includes(',')) return { kind: 'single', value };
  return { kind: 'list', set: new Set(value.split(',').filter((s) => s !== '')) };
}

/** process_with_allow_origins: the origin to allow, or undefined. */
export function allowByRule(rule: OriginRule, reqOrigin: string | undefined): string | undefined {
  switch (rule.kind) {
    case 'force':
      return reqOrigin ?? '*';
    case 'single':
      return rule.value;
    case 'list':
      return reqOrigin !== undefined && rule.set.has(reqOrigin) ? reqOrigin : undefined;
  }
}

/** The regex list joined with `|`, as cors.lua concatenates it. */
export function compileOriginRegexes(list: readonly string[]): NgxRegex {
  return compileNgxRegex(list.join('|'), 'jo');
}

/** process_with_allow_origins_by_regex. */
export function allowByRegex(re: NgxRegex, reqOrigin: string | undefined): string | undefined {
  if (reqOrigin === undefined) return undefined;
  return ngxTest(reqOrigin, re) ? reqOrigin : undefined;
}

/** match_origins (Lua: `req_origin == allow_origins or allow_origins == '*'`, nil equal to nil). */
export function originMatches(reqOrigin: string | undefined, allowed: string | undefined): boolean {
  return reqOrigin === allowed || allowed === '*';
}

const metadataRules = new WeakMap<object, Map<string, OriginRule>>();

/** The parsed rules of a plugin_metadata `allow_origins` map, cached per metadata object. */
export function metadataOrigins(meta: Readonly<Record<string, unknown>>): Map<string, OriginRule> | undefined {
  const raw = meta.allow_origins;
  if (raw === null || typeof raw !== 'object') return undefined;
  let m = metadataRules.get(meta);
  if (m === undefined) {
    m = new Map();
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v === 'string') m.set(k, parseOrigins(v));
    metadataRules.set(meta, m);
  }
  return m;
}

/** process_with_allow_origins_by_metadata: the request origin when a referenced entry allows it. */
export function allowByMetadata(
  keys: readonly string[] | undefined,
  meta: Readonly<Record<string, unknown>> | undefined,
  reqOrigin: string | undefined,
): string | undefined {
  if (keys === undefined || meta === undefined) return undefined;
  const rules = metadataOrigins(meta);
  if (rules === undefined) return undefined;
  for (const key of keys) {
    const rule = rules.get(key);
    // A missing key: process_with_allow_origins(nil) yields nil, which "matches" a nil origin.
    const allowed = rule === undefined ? undefined : allowByRule(rule, reqOrigin);
    if (originMatches(reqOrigin, allowed)) return reqOrigin;
  }
  return undefined;
}
