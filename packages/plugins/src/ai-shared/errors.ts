import { classifyUpstreamError } from '@portico/plugin-helpers';
import { AiProxyError } from './types.js';

/**
 * Classify a transport error (one classifier with the core proxy: @portico/plugin-helpers).
 * APISIX handle_error: "timeout" in the message → 504, else 500. Portico keeps 504 for
 * timeouts and answers 502 for connection failures (refused, reset, DNS, TLS): the gateway
 * could not get a valid answer from upstream, which is what 502 means.
 */
export function classifyTransportError(
  err: unknown,
  clientGone: boolean,
  timedOut = false,
): { status: number; error: AiProxyError } {
  if (timedOut) return { status: 504, error: new AiProxyError('AI_UPSTREAM_TIMEOUT', 'timeout talking to LLM server') };
  if (clientGone) return { status: 499, error: new AiProxyError('AI_CLIENT_ABORTED', 'client closed the connection') };
  const f = classifyUpstreamError(err);
  if (f.timeout) {
    return { status: 504, error: new AiProxyError('AI_UPSTREAM_TIMEOUT', `timeout talking to LLM server: ${f.reason}`) };
  }
  return { status: 502, error: new AiProxyError('AI_UPSTREAM_CONNECT', `failed to talk to LLM server: ${f.reason}`) };
}
