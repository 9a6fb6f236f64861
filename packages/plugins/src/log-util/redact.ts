import type { RequestContext } from '@portico/plugin-sdk';

/**
 * Redaction rules for log entries — a deliberate deviation from APISIX, whose loggers
 * write request headers verbatim (apisix/utils/log-util.lua get_full_log). Portico never
 * logs secrets. The rule (documented in docs/compatibility.md, loggers section):
 *
 * * a header is secret when its lower-cased name is `authorization`, `proxy-authorization`,
 *   `cookie` or `set-cookie`, contains one of {@link SECRET_MARKERS}, or is named as a
 *   credential source by a plugin in effect (an auth plugin's `header`, an ai-proxy
 *   `auth.header` key);
 * * a query argument is secret when its lower-cased name is `key`, contains one of
 *   {@link SECRET_MARKERS}, or is an auth plugin's `query` / an ai-proxy `auth.query` key.
 *
 * Secret values are replaced by {@link REDACTED}; names stay so operators see the field existed.
 */
export const REDACTED = '[REDACTED]';

/** Name fragments that mark a header or query argument as a credential. */
export const SECRET_MARKERS: readonly string[] = ['apikey', 'api-key', 'api_key', 'token', 'secret', 'password', 'signature'];

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const SECRET_QUERY = new Set(['key']);

function hasMarker(lower: string): boolean {
  for (const m of SECRET_MARKERS) if (lower.includes(m)) return true;
  return false;
}

/** Credential sources named by the plugins in effect for one request. */
export interface AuthSources {
  headers: ReadonlySet<string>;
  query: ReadonlySet<string>;
}

/** No plugin-named credential sources: only the fixed rule applies. */
export const NO_AUTH_SOURCES: AuthSources = { headers: new Set(), query: new Set() };
const EMPTY = NO_AUTH_SOURCES;
/** Per-conf cache: plugin confs are immutable per config revision, so this is derived once. */
const byConf = new WeakMap<object, AuthSources>();

function addKeys(target: Set<string>, value: unknown): void {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const k of Object.keys(value)) target.add(k.toLowerCase());
  }
}

function collect(conf: Record<string, unknown>, isAuth: boolean): AuthSources {
  const headers = new Set<string>();
  const query = new Set<string>();
  if (isAuth) {
    // key-auth / jwt-auth style: `header` and `query` name where the client sends its key.
    if (typeof conf['header'] === 'string') headers.add(conf['header'].toLowerCase());
    if (typeof conf['query'] === 'string') query.add(conf['query'].toLowerCase());
  }
  const auths: unknown[] = [conf['auth']];
  if (Array.isArray(conf['instances'])) {
    for (const inst of conf['instances']) auths.push((inst as Record<string, unknown> | null)?.['auth']);
  }
  for (const auth of auths) {
    if (auth && typeof auth === 'object') {
      addKeys(headers, (auth as Record<string, unknown>)['header']);
      addKeys(query, (auth as Record<string, unknown>)['query']);
    }
  }
  return headers.size + query.size === 0 ? EMPTY : { headers, query };
}

/** Header/query names the request's plugins treat as credentials (cached per conf object). */
export function authSources(ctx: Pick<RequestContext, 'plugins'>): AuthSources {
  let headers: Set<string> | undefined;
  let query: Set<string> | undefined;
  for (const attached of ctx.plugins.values()) {
    const conf = attached.conf;
    if (!conf || typeof conf !== 'object') continue;
    let found = byConf.get(conf);
    if (!found) {
      found = collect(conf as Record<string, unknown>, attached.module.type === 'auth');
      byConf.set(conf, found);
    }
    if (found === EMPTY) continue;
    for (const h of found.headers) (headers ??= new Set()).add(h);
    for (const q of found.query) (query ??= new Set()).add(q);
  }
  return headers || query ? { headers: headers ?? new Set(), query: query ?? new Set() } : EMPTY;
}

/** Whether a header (any case) carries a credential under the rule above. */
export function isSecretHeader(name: string, sources: AuthSources): boolean {
  const lower = name.toLowerCase();
  return SECRET_HEADERS.has(lower) || hasMarker(lower) || sources.headers.has(lower);
}

/** Whether a query argument carries a credential under the rule above. */
export function isSecretQueryArg(name: string, sources: AuthSources): boolean {
  const lower = name.toLowerCase();
  return SECRET_QUERY.has(lower) || hasMarker(lower) || sources.query.has(lower);
}

type HeaderValue = string | readonly string[] | undefined;

/** Copy of `headers` with lower-case names and secret values replaced; undefined values dropped. */
export function redactHeaders(
  headers: Readonly<Record<string, HeaderValue>>,
  sources: AuthSources,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = isSecretHeader(lower, sources) ? REDACTED : typeof value === 'string' ? value : [...value];
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * Parse a raw query string like `ngx.req.get_uri_args()`: repeated names become arrays,
 * a name without `=` is `true`, values are URL-decoded; secret values are redacted.
 */
export function parseQueryRedacted(
  raw: string,
  sources: AuthSources,
): Record<string, string | boolean | Array<string | boolean>> {
  const out: Record<string, string | boolean | Array<string | boolean>> = {};
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    if (!name) continue;
    let value: string | boolean = eq < 0 ? true : decode(part.slice(eq + 1));
    if (value !== true && isSecretQueryArg(name, sources)) value = REDACTED;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/** Redact secret argument values inside a raw query string, keeping every other byte. */
export function redactRawQuery(raw: string, sources: AuthSources): string {
  if (!raw) return raw;
  let changed = false;
  const parts = raw.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0 || !isSecretQueryArg(decode(part.slice(0, eq)), sources)) return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${REDACTED}`;
  });
  return changed ? parts.join('&') : raw;
}

/**
 * Redact the query part of anything URL-shaped: a URL, `$request_uri`, or a request line
 * (`GET /p?a=b HTTP/1.1`, where the query ends at the first space).
 */
export function redactUrl(url: string, sources: AuthSources): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  let end = url.indexOf(' ', q);
  if (end < 0) end = url.length;
  const query = url.slice(q + 1, end);
  const redacted = redactRawQuery(query, sources);
  return redacted === query ? url : `${url.slice(0, q + 1)}${redacted}${url.slice(end)}`;
}
