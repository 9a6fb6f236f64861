/**
 * fast-check generators for the data plane: raw HTTP requests (methods, targets, headers,
 * framing, bodies) and hostile upstream SSE scripts (random, truncated, oversized events).
 */
import fc from 'fast-check';

export interface RawRequest {
  bytes: Buffer;
  /** Framed correctly (valid method, target, headers, Content-Length): an answer is required. */
  wellFramed: boolean;
  label: string;
}

const tchar = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: tchar },
);
const pathChars = fc.oneof(
  fc.constantFrom(
    'a',
    'b',
    '/',
    '%20',
    '%2F',
    '%2e%2e',
    '..',
    '%00',
    '%zz',
    '%',
    'ü',
    '%C3%BC',
    '%FF',
    '?',
    '#',
    ';',
    '*',
    '~',
    '+',
    '&',
    '=',
  ),
  fc.stringMatching(/^[a-z0-9]{1,4}$/),
);
const target = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom('/echo/', '/ai', '/', '/echo'), fc.array(pathChars, { maxLength: 8 }))
      .map(([p, c]) => p + c.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom('*', 'http://127.0.0.1/echo/x', 'echo', '//echo//x', '/echo/' + 'a'.repeat(9000)) },
);
const headerValue = fc.oneof(
  fc.stringMatching(/^[ -~]{0,40}$/),
  fc.constantFrom('', ' ', 'ü', 'a\tb', '0', '-1', '1e3', 'chunked', 'gzip'),
);
const header = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(
      fc.constantFrom(
        'Host',
        'X-Test',
        'Accept',
        'Cookie',
        'Range',
        'X-Forwarded-For',
        'X-Real-IP',
        'apikey',
        'Authorization',
        'Content-Type',
        'Accept-Encoding',
        'Upgrade',
        'Expect',
        'TE',
        'Via',
      ),
      headerValue,
    ),
  },
  { weight: 1, arbitrary: fc.tuple(tchar, headerValue) },
);

/** A request Node's parser and the pipeline must both survive; framed right unless mangled. */
export const rawRequestArb: fc.Arbitrary<RawRequest> = fc
  .record({
    method,
    target,
    version: fc.oneof(
      { weight: 8, arbitrary: fc.constant('HTTP/1.1') },
      { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'FOO', '') },
    ),
    host: fc.oneof(
      { weight: 6, arbitrary: fc.constant('127.0.0.1') },
      { weight: 1, arbitrary: fc.constantFrom('', '[::1', 'a b', 'example.com:99999', 'ü.com', '[::1]:80') },
    ),
    headers: fc.array(header, { maxLength: 6 }),
    body: fc.oneof(fc.constant(''), fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 })),
    framing: fc.oneof(
      { weight: 6, arbitrary: fc.constant('content-length' as const) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'chunked' as const,
          'bad-chunked' as const,
          'short-length' as const,
          'both' as const,
          'none' as const,
          'garbage-line' as const,
        ),
      },
    ),
  })
  .map(({ method, target, version, host, headers, body, framing }) => {
    const validHeaders = headers.every(
      ([n, v]) =>
        !/[\r\n]/.test(n + v) && !/^(content-length|transfer-encoding|host|expect|upgrade|te)$/i.test(n) && !/[^\t -~]/.test(v),
    );
    const lines = [`${method} ${target} ${version}`];
    if (host !== '') lines.push(`Host: ${host}`);
    for (const [n, v] of headers) lines.push(`${n}: ${v}`);
    const b = Buffer.from(body);
    let payload: Buffer = b;
    if (framing === 'content-length') lines.push(`Content-Length: ${b.length}`);
    if (framing === 'short-length') lines.push(`Content-Length: ${b.length + 10}`);
    if (framing === 'both') lines.push(`Content-Length: ${b.length}`, 'Transfer-Encoding: chunked');
    if (framing === 'chunked' || framing === 'bad-chunked') {
      lines.push('Transfer-Encoding: chunked');
      payload =
        framing === 'chunked'
          ? Buffer.from(`${b.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
          : Buffer.from(`zz\r\n${body}\r\n`);
    }
    if (framing === 'garbage-line') lines.push('this is not a header');
    lines.push('Connection: close');
    const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
    const wellFramed =
      framing === 'content-length' &&
      version === 'HTTP/1.1' &&
      host === '127.0.0.1' &&
      validHeaders &&
      /^[A-Z]+$/.test(method) &&
      target.startsWith('/') &&
      target.length < 8000 &&
      !/[^ -~]/.test(target);
    return {
      bytes: Buffer.concat([head, payload]),
      wellFramed,
      label: `${method} ${target.slice(0, 80)} ${version} [${framing}]`,
    };
  })
  .map((r) => Object.assign(r, { [fc.toStringMethod]: () => r.label }));

export interface SseScript {
  status: number;
  contentType: string | undefined;
  chunks: Buffer[];
  /** End the response normally, or destroy the socket after the chunks (abrupt upstream). */
  ending: 'end' | 'destroy';
  label: string;
}

const sseLine = fc.oneof(
  fc.json({ maxDepth: 3 }).map((j) => `data: ${j}\n\n`),
  fc.constant('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'),
  fc.constant('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}\n\n'),
  fc.constant('data: [DONE]\n\n'),
  fc.constant('data: {"usage":{"prompt_tokens":"x","completion_tokens":-1}}\n\n'),
  fc.constant('data: {"choices":[{"delta":{"content":'),
  fc.constantFrom(': ping\n\n', 'event: error\ndata: oops\n\n', 'retry: x\n', 'id: \u0000\n\n', '\r\n\r\n', 'data:\r'),
  fc.string({ maxLength: 40 }),
);

const OVERSIZED = Buffer.from(`data: {"choices":[{"delta":{"content":"${'y'.repeat(2 * 1024 * 1024)}"}}]}\n\n`);

/** What the hostile upstream answers to one ai-proxy request. */
export const sseScriptArb: fc.Arbitrary<SseScript> = fc
  .record({
    status: fc.oneof(
      { weight: 6, arbitrary: fc.constant(200) },
      { weight: 1, arbitrary: fc.constantFrom(400, 401, 429, 500, 502, 503, 204) },
    ),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('text/event-stream') },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'application/json', 'text/plain', 'text/event-stream; charset=utf-8') },
    ),
    parts: fc.array(
      fc.oneof(
        { weight: 8, arbitrary: sseLine.map((s) => Buffer.from(s)) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
      ),
      { maxLength: 10 },
    ),
    /** One oversized (2 MiB) event somewhere in the stream. */
    oversized: fc.oneof({ weight: 7, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(10) }),
    splits: fc.array(fc.nat(), { maxLength: 6 }),
    ending: fc.oneof(
      { weight: 5, arbitrary: fc.constant('end' as const) },
      { weight: 1, arbitrary: fc.constant('destroy' as const) },
    ),
  })
  .map(({ status, contentType, parts, oversized, splits, ending }) => {
    if (oversized >= 0) parts.splice(Math.min(oversized, parts.length), 0, OVERSIZED);
    const all = Buffer.concat(parts);
    const points = [...new Set(splits.map((p) => p % (all.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of [...points, all.length]) {
      if (p > prev) chunks.push(all.subarray(prev, p));
      prev = p;
    }
    const label = `${status} ${contentType ?? '-'} ${all.length} bytes in ${chunks.length} chunks, ${ending}`;
    return Object.assign({ status, contentType, chunks, ending, label }, { [fc.toStringMethod]: () => label });
  });
