/**
 * The slice of APISIX 3.18's protocol layer the prompt plugins use (apisix/plugins/ai-protocols/
 * init.lua detect, get_messages, prepend_messages, append_messages and the per-protocol
 * adapters): detect the client protocol from the URI and the decoded body, read the
 * conversation as `{role, content}` text, and add messages the way each protocol stores them.
 */
import { isJsonObject, type JsonObject } from './body.js';

export type ClientProtocol =
  | 'bedrock-converse'
  | 'anthropic-messages'
  | 'openai-responses'
  | 'openai-chat'
  | 'openai-embeddings'
  | 'passthrough';

/** A message in canonical form: its role as sent (possibly absent) and its text. */
export interface CanonicalMessage {
  role: unknown;
  content: string;
}

/** A configured prompt (`prepend[]` / `append[]` items): role and content, plus any extra fields. */
export interface PromptMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** Lua `type(v) == "table"`: a JSON object or array. */
const isTable = (v: unknown): v is object => typeof v === 'object' && v !== null;

/**
 * init.lua `detect`: URI + body protocols first (bedrock, anthropic, responses), then body-only
 * ones (chat, embeddings), passthrough last for any non-empty body. undefined when none matches.
 */
export function detectProtocol(body: unknown, uri: string): ClientProtocol | undefined {
  if (!isTable(body)) return undefined;
  const b = body as JsonObject;
  if (uri.endsWith('/converse') && isTable(b.messages)) return 'bedrock-converse';
  if (uri.endsWith('/v1/messages')) return 'anthropic-messages';
  if (uri.endsWith('/v1/responses') && b.input !== undefined) return 'openai-responses';
  if (isTable(b.messages)) return 'openai-chat';
  if (b.input !== undefined) return 'openai-embeddings';
  if (Array.isArray(body) ? body.length > 0 : Object.keys(body).length > 0) return 'passthrough';
  return undefined;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Text of a chat/anthropic message: string content, or its `type: "text"` parts. */
function messageTexts(message: unknown): string[] {
  if (!isJsonObject(message)) return [];
  const c = message.content;
  if (typeof c === 'string') return [c];
  const out: string[] = [];
  for (const part of asArray(c)) {
    if (isJsonObject(part) && part.type === 'text' && typeof part.text === 'string') out.push(part.text);
  }
  return out;
}

/** Text of bedrock content blocks (`{text}` of any block). */
function blockTexts(blocks: unknown): string[] {
  const out: string[] = [];
  for (const block of asArray(blocks)) {
    if (isJsonObject(block) && typeof block.text === 'string') out.push(block.text);
  }
  return out;
}

/** Text of a Responses `input` item: a string, a message, a bare part or a tool result. */
function inputItemTexts(item: unknown): string[] {
  if (typeof item === 'string') return [item];
  if (!isJsonObject(item)) return [];
  const c = item.content;
  if (typeof c === 'string') return [c];
  if (isTable(c)) return blockTexts(c);
  if (c === undefined && typeof item.text === 'string') return [item.text];
  if (c === undefined && typeof item.output === 'string') return [item.output];
  if (c === undefined && isTable(item.output)) return blockTexts(item.output);
  return [];
}

function pushJoined(out: CanonicalMessage[], role: unknown, texts: string[]): void {
  if (texts.length > 0) out.push({ role, content: texts.join(' ') });
}

/** init.lua `get_messages`: the conversation as canonical messages ([] for embeddings-less protocols). */
export function getMessages(protocol: ClientProtocol | undefined, body: JsonObject): CanonicalMessage[] {
  const out: CanonicalMessage[] = [];
  switch (protocol) {
    case 'openai-chat':
      for (const m of asArray(body.messages)) pushJoined(out, isJsonObject(m) ? m.role : undefined, messageTexts(m));
      return out;
    case 'anthropic-messages':
      if (typeof body.system === 'string') out.push({ role: 'system', content: body.system });
      for (const m of asArray(body.messages)) pushJoined(out, isJsonObject(m) ? m.role : undefined, messageTexts(m));
      return out;
    case 'openai-responses': {
      if (typeof body.instructions === 'string') out.push({ role: 'system', content: body.instructions });
      const input = body.input;
      if (typeof input === 'string') out.push({ role: 'user', content: input });
      else
        for (const item of asArray(input)) {
          const role = isJsonObject(item) && typeof item.role === 'string' ? item.role : 'user';
          pushJoined(out, role, inputItemTexts(item));
        }
      return out;
    }
    case 'bedrock-converse':
      pushJoined(out, 'system', blockTexts(body.system));
      for (const m of asArray(body.messages)) {
        if (isJsonObject(m)) pushJoined(out, m.role, blockTexts(m.content));
      }
      return out;
    case 'openai-embeddings':
      if (typeof body.input === 'string') out.push({ role: 'user', content: body.input });
      return out;
    default:
      return out;
  }
}

const roleContent = (m: PromptMessage) => ({ role: m.role, content: m.content });

/**
 * init.lua `prepend_messages` / `append_messages` on a decoded object body, in place. No
 * detected protocol falls back to openai-chat (a body built from scratch); embeddings and
 * passthrough bodies are left alone. Returns whether the body changed.
 */
export function addMessages(
  protocol: ClientProtocol | undefined,
  body: JsonObject,
  msgs: readonly PromptMessage[],
  where: 'prepend' | 'append',
): boolean {
  if (msgs.length === 0) return false;
  switch (protocol ?? 'openai-chat') {
    case 'openai-chat': {
      const existing = asArray(body.messages);
      body.messages = where === 'prepend' ? [...msgs, ...existing] : [...existing, ...msgs];
      return true;
    }
    case 'anthropic-messages': {
      const existing = asArray(body.messages);
      const added = msgs.map(roleContent);
      body.messages = where === 'prepend' ? [...added, ...existing] : [...existing, ...added];
      return true;
    }
    case 'openai-responses':
      addResponsesText(body, msgs.map((m) => m.content).join('\n'), where);
      return true;
    case 'bedrock-converse':
      addBedrockMessages(body, msgs, where);
      return true;
    default:
      return false;
  }
}

/** openai-responses: prompts join with "\n" into `instructions` (prepend) or `input` (append). */
function addResponsesText(body: JsonObject, text: string, where: 'prepend' | 'append'): void {
  if (where === 'prepend') {
    body.instructions = typeof body.instructions === 'string' ? `${text}\n${body.instructions}` : text;
    return;
  }
  const input = body.input;
  if (typeof input === 'string') body.input = `${input}\n${text}`;
  else if (Array.isArray(input)) body.input = [...input, { type: 'message', role: 'user', content: text }];
  else body.input = text;
}

/** bedrock-converse: system prompts become `system` blocks, the others `{role, content: [{text}]}`. */
function addBedrockMessages(body: JsonObject, msgs: readonly PromptMessage[], where: 'prepend' | 'append'): void {
  const system: { text: string }[] = [];
  const chat: { role: string; content: { text: string }[] }[] = [];
  for (const m of msgs) {
    if (m.role === 'system') system.push({ text: m.content });
    else chat.push({ role: m.role, content: [{ text: m.content }] });
  }
  if (system.length > 0) {
    const existing = asArray(body.system);
    body.system = where === 'prepend' ? [...system, ...existing] : [...existing, ...system];
  }
  if (chat.length > 0) {
    const existing = asArray(body.messages);
    body.messages = where === 'prepend' ? [...chat, ...existing] : [...existing, ...chat];
  }
}
