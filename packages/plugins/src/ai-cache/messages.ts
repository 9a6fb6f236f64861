/** A client message in canonical form (APISIX protocol `get_messages`): role and plain text. */
export interface CanonicalMessage {
  role: string;
  content: string;
}

/** Plain text of a message `content`: a string, or the `text` blocks of an array joined by "\n". */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const b of content) {
    if (typeof b === 'object' && b !== null && (b as { type?: unknown }).type === 'text') {
      const t = (b as { text?: unknown }).text;
      if (typeof t === 'string') parts.push(t);
    }
  }
  return parts.join('\n');
}

/** The chat messages of an OpenAI chat body in canonical form ([] for other bodies). */
export function canonicalMessages(body: Readonly<Record<string, unknown>>): CanonicalMessage[] {
  const msgs = body.messages;
  if (!Array.isArray(msgs)) return [];
  const out: CanonicalMessage[] = [];
  for (const m of msgs) {
    if (typeof m !== 'object' || m === null) continue;
    const role = (m as { role?: unknown }).role;
    out.push({ role: typeof role === 'string' ? role : '', content: textOf((m as { content?: unknown }).content) });
  }
  return out;
}

/**
 * The client protocol (APISIX `ctx.ai_client_protocol`): the value another plugin stored
 * under that shared key, else inferred from the body as APISIX's detection does for the
 * protocols a JSON body alone identifies.
 */
export function clientProtocol(shared: ReadonlyMap<string, unknown>, body: Readonly<Record<string, unknown>>): string {
  const p = shared.get('ai_client_protocol');
  if (typeof p === 'string') return p;
  if (Array.isArray(body.messages)) return 'openai-chat';
  if (body.input !== undefined) return 'openai-embeddings';
  return 'passthrough';
}
