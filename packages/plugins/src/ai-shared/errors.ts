import { AiProxyError } from './types.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/**
 * Classify a transport error. APISIX handle_error: "timeout" in the message → 504, else 500.
 * Portico keeps 504 for timeouts and answers 502 for connection failures (refused, reset,
 * DNS, TLS): the gateway could not get a valid answer from upstream, which is what 502 means.
 */
export function classifyTransportError(
  err: unknown,
  clientGone: boolean,
  timedOut = false,
): { status: number; error: AiProxyError } {
  if (timedOut) return { status: 504, error: new AiProxyError('AI_UPSTREAM_TIMEOUT', 'timeout talking to LLM server') };
  if (clientGone) return { status: 499, error: new AiProxyError('AI_CLIENT_ABORTED', 'client closed the connection') };
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  const msg = e?.message ?? String(err);
  if (TIMEOUT_CODES.has(code) || /timeout/i.test(msg)) {
    return { status: 504, error: new AiProxyError('AI_UPSTREAM_TIMEOUT', `timeout talking to LLM server: ${code || msg}`) };
  }
  return { status: 502, error: new AiProxyError('AI_UPSTREAM_CONNECT', `failed to talk to LLM server: ${code || msg}`) };
}
