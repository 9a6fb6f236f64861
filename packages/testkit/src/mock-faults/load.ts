import { request } from 'node:http';

/** One chat request as the client saw it. */
export interface ChatResult {
  status: number;
  /** ms from sending to the first SSE data event (comments excluded) or the JSON body. */
  ttftMs: number;
  totalMs: number;
  /** The assistant text (SSE deltas joined, or the JSON message). */
  text: string;
  /** Connection closed before the response completed. */
  aborted: boolean;
  /** The stream carried an error event (`event: error` or a `{"error": …}` payload). */
  errorEvent: boolean;
  /** The stream ended with `data: [DONE]`. */
  done: boolean;
  /** `: …` comment lines received (keep-alives). */
  comments: number;
  raw: string;
  /** The request asked for a stream. */
  stream: boolean;
}

/** POST a chat body (streamed or not) with node:http and time the first token. */
export function chatRequest(url: string, body: Record<string, unknown>, timeoutMs = 30_000): Promise<ChatResult> {
  const u = new URL(url);
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const out: ChatResult = {
      status: 0,
      ttftMs: -1,
      totalMs: 0,
      text: '',
      aborted: false,
      errorEvent: false,
      done: false,
      comments: 0,
      raw: '',
      stream: body.stream === true,
    };
    let settled = false;
    const finish = (aborted: boolean): void => {
      if (settled) return;
      settled = true;
      out.aborted = aborted;
      out.totalMs = performance.now() - t0;
      if (!body.stream && out.status === 200) {
        try {
          const j = JSON.parse(out.raw) as { choices?: { message?: { content?: string } }[] };
          out.text = j.choices?.[0]?.message?.content ?? '';
        } catch {
          out.aborted = true;
        }
      }
      resolve(out);
    };
    const req = request(
      // A connection per request (agent: false): a data plane's workers share them as they share clients.
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        agent: false,
      },
      (res) => {
        out.status = res.statusCode ?? 0;
        let pending = '';
        res.on('data', (c: Buffer) => {
          const s = c.toString('utf8');
          out.raw += s;
          if (!body.stream) {
            if (out.ttftMs < 0) out.ttftMs = performance.now() - t0;
            return;
          }
          pending += s;
          let i: number;
          while ((i = pending.indexOf('\n\n')) >= 0) {
            const block = pending.slice(0, i);
            pending = pending.slice(i + 2);
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) out.comments++;
              else if (line === 'event: error') out.errorEvent = true;
              else if (line.startsWith('data: ')) {
                if (out.ttftMs < 0) out.ttftMs = performance.now() - t0;
                const d = line.slice(6);
                if (d === '[DONE]') out.done = true;
                else {
                  try {
                    const j = JSON.parse(d) as { error?: unknown; choices?: { delta?: { content?: string } }[] };
                    if (j.error !== undefined) out.errorEvent = true;
                    out.text += j.choices?.[0]?.delta?.content ?? '';
                  } catch {
                    out.errorEvent = true;
                  }
                }
              }
            }
          }
        });
        res.on('end', () => finish(!res.complete));
        res.on('aborted', () => finish(true));
        res.on('error', () => finish(true));
        res.on('close', () => finish(!res.complete));
      },
    );
    req.on('error', () => finish(true));
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timed out')));
    req.end(payload);
  });
}

/** Nearest-rank percentile of `xs` (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Results of {@link chatLoad}. */
export interface ChatLoad {
  results: ChatResult[];
  elapsedMs: number;
  /** Requests that did not end as a complete success (status, abort, error event, missing [DONE] / text). */
  failures: ChatResult[];
  ttft: { p50: number; p99: number; max: number };
}

/**
 * `total` requests, `concurrency` at a time, spread round-robin over `urls` (several data
 * planes); each request counts as a failure unless it is a 200 with the expected text and,
 * for streams, a [DONE] and no error event.
 */
export async function chatLoad(opts: {
  urls: string[];
  total: number;
  concurrency: number;
  body: (i: number) => Record<string, unknown>;
  expectText: string;
}): Promise<ChatLoad> {
  const results: ChatResult[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < opts.total; i = next++) {
      const body = opts.body(i);
      const r = await chatRequest(opts.urls[i % opts.urls.length]!, body);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const failures = results.filter(
    (r) => r.status !== 200 || r.aborted || r.errorEvent || r.text !== opts.expectText || (r.stream && !r.done),
  );
  const ttfts = results.filter((r) => r.ttftMs >= 0).map((r) => r.ttftMs);
  return {
    results,
    elapsedMs: performance.now() - t0,
    failures,
    ttft: { p50: percentile(ttfts, 50), p99: percentile(ttfts, 99), max: Math.max(...ttfts) },
  };
}
