const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** A `%` not followed by two hex digits: nginx rejects such a request path with 400. */
export function hasBadEscape(rawPath: string): boolean {
  return rawPath.includes('%') && BAD_ESCAPE.test(rawPath);
}

/**
 * Percent-decode byte by byte, as nginx does: escapes that do not form valid UTF-8 become
 * U+FFFD instead of leaving the whole path undecoded (which would let `%2e%2e` slip past
 * the `..` resolution below).
 */
function percentDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    const bytes = raw.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
}

/**
 * nginx's $uri from the request target: percent-decoded, `//` merged (merge_slashes on),
 * `.`/`..` segments resolved. The common case (nothing to normalise) returns the raw path
 * itself without allocating.
 */
export function normalizePath(raw: string): string {
  if (!raw.includes('%') && !raw.includes('//') && !raw.includes('/.')) return raw;
  const decoded = raw.includes('%') ? percentDecode(raw) : raw;
  const out: string[] = [];
  const segs = decoded.split('/');
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s === '' && !last) continue;
    if (s === '.') {
      if (last) out.push('');
      continue;
    }
    if (s === '..') {
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(s);
  }
  return '/' + out.join('/');
}

/** Split a request target into path and raw query (without '?'). */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  if (!target.startsWith('/')) {
    // absolute-form (proxy-style) request line
    try {
      const u = new URL(target);
      target = u.pathname + u.search;
    } catch {
      target = '/' + target;
    }
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** Re-encode a normalised path for the upstream request line. */
export function encodePath(path: string): string {
  return encodeURI(path).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
}
