import { detectProtocol, getMessages, type ClientProtocol } from '../ai-prompt-shared/protocols.js';

/** A client message in canonical form (APISIX protocol `get_messages`): role and plain text. */
export interface CanonicalMessage {
  role: string;
  content: string;
}

/**
 * The client's messages in canonical form (ai-protocols `get_messages`: text parts joined by a
 * space, messages without text left out; the system prompt of anthropic / responses bodies first).
 */
export function canonicalMessages(protocol: string, body: Readonly<Record<string, unknown>>): CanonicalMessage[] {
  return getMessages(protocol as ClientProtocol, body as Parameters<typeof getMessages>[1]).map((m) => ({
    role: typeof m.role === 'string' ? m.role : '',
    content: m.content,
  }));
}

/**
 * The client protocol (APISIX `ctx.ai_client_protocol`): the value another plugin stored under
 * that shared key, else ai-protocols detection from the URI and the body.
 */
export function clientProtocol(
  shared: ReadonlyMap<string, unknown>,
  body: Readonly<Record<string, unknown>>,
  uri: string,
): string {
  const p = shared.get('ai_client_protocol');
  if (typeof p === 'string') return p;
  return detectProtocol(body, uri) ?? 'passthrough';
}
