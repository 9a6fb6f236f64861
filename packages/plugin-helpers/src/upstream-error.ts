/**
 * One reading of an undici transport error for every upstream transport (the core proxy and
 * the AI transport): what nginx would answer (504 for a timeout, 502 for anything else that
 * kept a response from arriving) and whether another node may be tried
 * (proxy_next_upstream error timeout).
 */

/** Codes undici and the OS use for an upstream that did not answer in time. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Connection failures before any response byte: safe to retry on another node. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export interface UpstreamFailure {
  /** 504 for a timeout, else 502. */
  status: 502 | 504;
  timeout: boolean;
  /** A timeout or a connection failure: another node may be tried. */
  retryable: boolean;
  /** The error code (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, ...), or '' when it has none. */
  code: string;
  /** The code, else the error message: what logs and error bodies name. */
  reason: string;
}

/** Classify an error thrown or reported by an undici dispatch. */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown } } | null | undefined;
  const own = typeof e?.code === 'string' ? e.code : undefined;
  const code = own ?? (typeof e?.cause?.code === 'string' ? e.cause.code : '');
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const timeout = TIMEOUT_CODES.has(code) || /timeout/i.test(message);
  return {
    status: timeout ? 504 : 502,
    timeout,
    retryable: timeout || CONNECT_CODES.has(code),
    code,
    reason: code || message,
  };
}
