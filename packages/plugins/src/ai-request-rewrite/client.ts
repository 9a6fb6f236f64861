/**
 * The side-request transport: one undici Agent per configuration (made in prepare, closed in
 * destroy). APISIX applies `timeout` to connect, send and each read (resty.http set_timeout),
 * keeps connections alive unless `keepalive` is false, and verifies TLS unless `ssl_verify` is
 * false.
 */
import { Agent } from 'undici';
import type { AiRequestRewriteConf } from './schema.js';
import type { RewriteTarget } from './target.js';

/** The LLM's answer: status and raw body. */
export interface LlmAnswer {
  status: number;
  body: Buffer;
}

export interface LlmClient {
  send(target: RewriteTarget, body: string, signal: AbortSignal): Promise<LlmAnswer>;
  close(): Promise<void>;
}

export function createLlmClient(conf: AiRequestRewriteConf): LlmClient {
  // keepalive_timeout is documented but not in the Lua schema: any value passes the check, so
  // only a positive number is used (else lua_socket_keepalive_timeout's 60 s).
  const kt = conf.keepalive_timeout;
  const keepAlive = typeof kt === 'number' && Number.isFinite(kt) && kt > 0 ? kt : 60000;
  const agent = new Agent({
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: Math.max(keepAlive, 1000),
    headersTimeout: conf.timeout,
    bodyTimeout: conf.timeout,
    connect: { timeout: conf.timeout, rejectUnauthorized: conf.ssl_verify },
  });
  return {
    async send(target, body, signal) {
      const res = await agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: target.headers,
        body,
        signal,
        reset: !conf.keepalive,
      });
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c as Buffer);
      return { status: res.statusCode, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
    },
    close: () => agent.close().catch(() => agent.destroy()),
  };
}
