// Test helper: one request through ai-proxy's access, a guard's access, then ai-proxy's
// beforeProxy (the LLM call, with any response guard applied), as the pipeline orders them.
import type { PluginModule, Reply } from '@portico/plugin-sdk';
import { checkPluginConf } from '@portico/schemas';
import { aiProxy, type AiProxyConf } from '../ai-proxy/index.js';
import { fakeContext, type FakeContext, replyBody } from '../testing/fake-context.js';

export function checked<T>(def: Parameters<typeof checkPluginConf>[0], conf: Record<string, unknown>): T {
  const err = checkPluginConf(def, conf, 'route');
  if (err) throw new Error(err);
  return conf as T;
}

export interface RunResult {
  reply: Reply;
  /** The body as the client would receive it. */
  text: string;
  /** Each body chunk as produced (streams). */
  chunks: string[];
  ctx: FakeContext;
}

export async function runWithProxy<S>(
  llmUrl: string,
  guard: PluginModule<unknown, S>,
  state: S,
  body: unknown,
): Promise<RunResult> {
  const proxyConf = checked<AiProxyConf>(aiProxy, { provider: 'openai', auth: {}, override: { endpoint: llmUrl } });
  const ps = aiProxy.prepare!(proxyConf, { resourceKey: '/apisix/routes/1', scope: 'route', services: undefined as never });
  try {
    const ctx = fakeContext({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const early = (await aiProxy.access!(ctx, ps)) ?? (await guard.access!(ctx, state));
    const reply = (early ?? (await aiProxy.beforeProxy!(ctx, ps))) as Reply;
    const chunks: string[] = [];
    const b = reply.body;
    if (typeof b === 'object' && b !== null && !(b instanceof Uint8Array) && Symbol.asyncIterator in b) {
      for await (const c of b as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c).toString('utf8'));
      return { reply, text: chunks.join(''), chunks, ctx };
    }
    const text = (await replyBody(reply)).toString('utf8');
    return { reply, text, chunks: [text], ctx };
  } finally {
    aiProxy.destroy!(ps);
  }
}
