/**
 * What the guard plugins read from a client request, per client protocol (APISIX
 * ai-protocols/openai-chat.lua and openai-embeddings.lua: extract_system_content,
 * extract_turn_content, extract_request_content, get_messages).
 *
 * Portico's AI layer serves OpenAI chat and embeddings bodies; a request whose URI names
 * another protocol (Anthropic Messages, OpenAI Responses) is reported as such so the guard
 * can refuse to wave it through unread.
 */
import type { RequestContext } from '@portico/plugin-sdk';

export type ClientProtocol = 'openai-chat' | 'openai-embeddings';

export type ProtocolDetection = { supported: true; protocol: ClientProtocol } | { supported: false; protocol: string };

export type Role = 'user' | 'tool' | 'system' | 'assistant';

/** A conversation turn with its text flattened to one string (Lakera's message shape). */
export interface GuardMessage {
  role: string;
  content: string;
}

type Body = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The client protocol (APISIX `ctx.ai_client_protocol`): the one an earlier plugin recorded
 * in `ctx.shared`, else detected in APISIX's order (URI suffix, then body shape).
 */
export function detectProtocol(ctx: RequestContext, body: Body): ProtocolDetection {
  const recorded = ctx.shared.get('ai_client_protocol');
  if (recorded === 'openai-chat' || recorded === 'openai-embeddings') return { supported: true, protocol: recorded };
  if (typeof recorded === 'string') return { supported: false, protocol: recorded };
  if (ctx.uri.endsWith('/v1/messages')) return { supported: false, protocol: 'anthropic-messages' };
  if (ctx.uri.endsWith('/v1/responses')) return { supported: false, protocol: 'openai-responses' };
  if (isObject(body.messages)) return { supported: true, protocol: 'openai-chat' };
  if (body.input !== undefined && body.input !== null) return { supported: true, protocol: 'openai-embeddings' };
  return { supported: false, protocol: 'passthrough' };
}

/** Text of one chat message: string content, or the `text` parts of an array. */
function messageTexts(message: unknown, into: string[]): void {
  if (!isObject(message)) return;
  const c = message.content;
  if (typeof c === 'string') into.push(c);
  else if (Array.isArray(c)) {
    for (const part of c) {
      if (isObject(part) && part.type === 'text' && typeof part.text === 'string') into.push(part.text);
    }
  }
}

const chatMessages = (body: Body): readonly unknown[] => (Array.isArray(body.messages) ? body.messages : []);

function embeddingsInput(body: Body): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) return input.filter((i): i is string => typeof i === 'string');
  return [];
}

/** `system` covers OpenAI's `developer` role too (same prompt slot). */
const SYSTEM_ROLES = new Set(['system', 'developer']);

/** Every system-prompt text (checked on every request, whatever the mode). */
export function extractSystemContent(protocol: ClientProtocol, body: Body): string[] {
  if (protocol === 'openai-embeddings') return [];
  const out: string[] = [];
  for (const m of chatMessages(body)) {
    if (isObject(m) && typeof m.role === 'string' && SYSTEM_ROLES.has(m.role)) messageTexts(m, out);
  }
  return out;
}

/**
 * Texts of the turn messages whose role is in `roles`: all of them (`all`), or only the
 * trailing run of such messages (`last`, the newest turn). Embeddings input counts as user
 * content.
 */
export function extractTurnContent(
  protocol: ClientProtocol,
  body: Body,
  mode: 'last' | 'all',
  roles: ReadonlySet<string>,
): string[] {
  if (protocol === 'openai-embeddings') return roles.has('user') ? embeddingsInput(body) : [];
  const messages = chatMessages(body);
  const selected = (m: unknown): boolean => isObject(m) && typeof m.role === 'string' && roles.has(m.role);
  let start = 0;
  if (mode === 'last') {
    start = messages.length;
    while (start > 0 && selected(messages[start - 1])) start -= 1;
  }
  const out: string[] = [];
  for (let i = start; i < messages.length; i++) if (selected(messages[i])) messageTexts(messages[i], out);
  return out;
}

/** All message texts (or embeddings inputs), roles ignored. */
export function extractRequestContent(protocol: ClientProtocol, body: Body): string[] {
  if (protocol === 'openai-embeddings') return embeddingsInput(body);
  const out: string[] = [];
  for (const m of chatMessages(body)) messageTexts(m, out);
  return out;
}

/**
 * The conversation as {role, content} turns, content flattened with " ", keeping only turns
 * with a string role and non-empty text; when nothing is left, one user turn made of all
 * request texts (embeddings input arrays end up there).
 */
export function guardMessages(protocol: ClientProtocol, body: Body): GuardMessage[] {
  const out: GuardMessage[] = [];
  if (protocol === 'openai-embeddings') {
    if (typeof body.input === 'string' && body.input !== '') out.push({ role: 'user', content: body.input });
  } else {
    for (const m of chatMessages(body)) {
      const texts: string[] = [];
      messageTexts(m, texts);
      if (texts.length === 0 || !isObject(m) || typeof m.role !== 'string') continue;
      const content = texts.join(' ');
      if (content !== '') out.push({ role: m.role, content });
    }
  }
  if (out.length > 0) return out;
  const all = extractRequestContent(protocol, body).join(' ');
  return all === '' ? [] : [{ role: 'user', content: all }];
}
