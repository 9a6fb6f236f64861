/**
 * Which client protocol a request speaks, and what the guard plugins read from it (APISIX
 * ai-protocols: detection order, then each protocol's extractors in ./readers.ts).
 */
import type { RequestContext } from '@portico/plugin-sdk';
import { getMessages } from '../ai-prompt-shared/protocols.js';
import {
  anthropicMessages,
  bedrockConverse,
  openaiChat,
  openaiEmbeddings,
  openaiResponses,
  type ProtocolReader,
} from './readers.js';

export type ClientProtocol = 'openai-chat' | 'openai-embeddings' | 'anthropic-messages' | 'openai-responses' | 'bedrock-converse';

export type ProtocolDetection = { supported: true; protocol: ClientProtocol } | { supported: false; protocol: string };

/** A conversation turn with its text flattened to one string (Lakera's message shape). */
export interface GuardMessage {
  role: string;
  content: string;
}

type Body = Readonly<Record<string, unknown>>;

const READERS: Record<ClientProtocol, ProtocolReader> = {
  'openai-chat': openaiChat,
  'openai-embeddings': openaiEmbeddings,
  'anthropic-messages': anthropicMessages,
  'openai-responses': openaiResponses,
  'bedrock-converse': bedrockConverse,
};

const isClientProtocol = (p: unknown): p is ClientProtocol => typeof p === 'string' && p in READERS;

/** One value per client protocol the guards read (built once per conf). */
export function perProtocol<T>(make: (protocol: ClientProtocol) => T): Record<ClientProtocol, T> {
  return {
    'openai-chat': make('openai-chat'),
    'openai-embeddings': make('openai-embeddings'),
    'anthropic-messages': make('anthropic-messages'),
    'openai-responses': make('openai-responses'),
    'bedrock-converse': make('bedrock-converse'),
  };
}

/** The protocol the AI layer recorded for this request, if any (ai-shared run state or ctx.shared). */
function recorded(ctx: RequestContext): unknown {
  const state = ctx.shared.get('ai_shared.state') as { request?: { protocol?: { name?: unknown } } } | undefined;
  return state?.request?.protocol?.name ?? ctx.shared.get('ai_client_protocol');
}

/**
 * The client protocol (APISIX `ctx.ai_client_protocol`): the one the AI layer recorded, else
 * detected in APISIX's order — Bedrock Converse (URI ends in /converse, `messages`), Anthropic Messages
 * (URI ends in /v1/messages), OpenAI Responses (/v1/responses), chat (`messages`),
 * embeddings (`input`), else passthrough.
 */
export function detectProtocol(ctx: RequestContext, body: Body): ProtocolDetection {
  const known = recorded(ctx);
  if (isClientProtocol(known)) return { supported: true, protocol: known };
  if (typeof known === 'string') return { supported: false, protocol: known };
  if (ctx.uri.endsWith('/converse') && typeof body.messages === 'object' && body.messages !== null) {
    return { supported: true, protocol: 'bedrock-converse' };
  }
  if (ctx.uri.endsWith('/v1/messages')) return { supported: true, protocol: 'anthropic-messages' };
  if (ctx.uri.endsWith('/v1/responses')) return { supported: true, protocol: 'openai-responses' };
  if (typeof body.messages === 'object' && body.messages !== null) return { supported: true, protocol: 'openai-chat' };
  if (body.input !== undefined && body.input !== null) return { supported: true, protocol: 'openai-embeddings' };
  return { supported: false, protocol: 'passthrough' };
}

/** Every system-prompt text (checked on every request, whatever the mode). */
export function extractSystemContent(protocol: ClientProtocol, body: Body): string[] {
  return READERS[protocol].system(body);
}

/** Texts of the turns whose role is in `roles`: all of them, or the trailing run (`last`). */
export function extractTurnContent(
  protocol: ClientProtocol,
  body: Body,
  mode: 'last' | 'all',
  roles: ReadonlySet<string>,
): string[] {
  return READERS[protocol].turns(body, mode, roles);
}

/** All request texts, roles ignored. */
export function extractRequestContent(protocol: ClientProtocol, body: Body): string[] {
  return READERS[protocol].all(body);
}

/**
 * The conversation as {role, content} turns, keeping only turns with a string role and
 * non-empty text; when nothing is left, one user turn made of all request texts.
 */
export function guardMessages(protocol: ClientProtocol, body: Body): GuardMessage[] {
  const out: GuardMessage[] = [];
  for (const m of getMessages(protocol, body)) {
    if (typeof m.role === 'string' && m.content !== '') out.push({ role: m.role, content: m.content });
  }
  if (out.length > 0) return out;
  const all = extractRequestContent(protocol, body).join(' ');
  return all === '' ? [] : [{ role: 'user', content: all }];
}
