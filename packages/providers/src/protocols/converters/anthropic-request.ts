import { createHash } from 'node:crypto';
import type { Converted, JsonObject } from '../../types.js';
import { isObject } from '../util.js';

// Anthropic Messages request → OpenAI Chat Completions request
// (apisix/plugins/ai-protocols/converters/anthropic-messages-to-openai-chat.lua convert_request).

const BUILTIN_TOOL_PREFIXES = ['computer_', 'bash_', 'text_editor_', 'web_search', 'code_execution_'];
const TOOL_NAME_MAX_LEN = 64;
const TOOL_NAME_HASH_LEN = 8;
const TOOL_NAME_PREFIX_LEN = TOOL_NAME_MAX_LEN - TOOL_NAME_HASH_LEN - 1;

/** A converted request plus the OpenAI tool names that were renamed (renamed → original). */
export interface ConvertedAnthropicRequest {
  body: JsonObject;
  toolNames: Map<string, string>;
}

/** Lua truthiness of a decoded JSON value: only absent, null and false are "not set". */
const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== false;

/**
 * OpenAI function names allow `[a-zA-Z0-9_-]{1,64}`: other names get their bad characters
 * replaced and, when changed or too long, a hash suffix; the reverse map restores them.
 */
function openAiToolName(name: string, reverse: Map<string, string>): string {
  const sanitized = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (sanitized === name && name.length <= TOOL_NAME_MAX_LEN) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, TOOL_NAME_HASH_LEN);
  const renamed = `${sanitized.slice(0, TOOL_NAME_PREFIX_LEN)}_${hash}`;
  reverse.set(renamed, name);
  return renamed;
}

function isBuiltinTool(tool: JsonObject): boolean {
  return typeof tool.type === 'string' && BUILTIN_TOOL_PREFIXES.some((p) => (tool.type as string).startsWith(p));
}

/** image / document block → OpenAI `image_url` part (data URL or URL); undefined when unusable. */
function convertMedia(block: JsonObject): JsonObject | undefined {
  const src = block.source;
  if (!isObject(src)) return undefined;
  if (src.type === 'base64') {
    if (typeof src.data !== 'string' || src.data === '') return undefined;
    const fallback = block.type === 'image' ? 'image/png' : 'application/pdf';
    const mediaType = typeof src.media_type === 'string' ? src.media_type : fallback;
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${src.data}` } };
  }
  if (block.type === 'image' && src.type === 'url' && typeof src.url === 'string' && src.url !== '') {
    return { type: 'image_url', image_url: { url: src.url } };
  }
  return undefined;
}

function convertToolChoice(tc: unknown): unknown {
  if (!isObject(tc)) return undefined;
  switch (tc.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return typeof tc.name === 'string' ? { type: 'function', function: { name: tc.name } } : undefined;
    default:
      return undefined;
  }
}

/** `thinking` → `reasoning_effort` (budget thresholds 1024/2048/4096; adaptive → effort or medium). */
function convertThinking(thinking: unknown, outputConfig: unknown): string | undefined {
  if (!isObject(thinking)) return undefined;
  if (thinking.type === 'adaptive') {
    const effort = isObject(outputConfig) ? outputConfig.effort : undefined;
    return typeof effort === 'string' && effort !== '' ? effort : 'medium';
  }
  if (thinking.type !== 'enabled') return undefined;
  const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
  if (budget >= 4096) return 'high';
  if (budget >= 2048) return 'medium';
  if (budget >= 1024) return 'low';
  return 'minimal';
}

/** Strict JSON schema for OpenAI structured output: every object closed, all properties required. */
function normaliseStrictSchema(schema: unknown): void {
  if (!isObject(schema)) return;
  if (schema.type === 'object' && isObject(schema.properties)) {
    schema.additionalProperties = false;
    const props = schema.properties;
    schema.required = Object.keys(props).sort();
    for (const p of Object.values(props)) normaliseStrictSchema(p);
  }
  normaliseStrictSchema(schema.items);
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const s of list) normaliseStrictSchema(s);
  }
  for (const key of ['$defs', 'definitions']) {
    const defs = schema[key];
    if (isObject(defs)) for (const s of Object.values(defs)) normaliseStrictSchema(s);
  }
}

/** Claude Code's `x-anthropic-billing-header:` system line loses its per-request `cch=` part. */
function stripBillingCch(text: string): string | undefined {
  const prefix = 'x-anthropic-billing-header:';
  if (text.slice(0, prefix.length).toLowerCase() !== prefix) return text;
  const value = text
    .slice(prefix.length)
    .replace(/ ?cch=[^;]*;?/g, '')
    .replace(/^[; ]+|[; ]+$/g, '');
  return value === '' ? undefined : prefix + value;
}

function convertSystem(system: unknown): JsonObject | undefined {
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  if (!Array.isArray(system)) return undefined;
  const parts: string[] = [];
  for (const b of system) {
    if (!isObject(b) || b.type !== 'text' || typeof b.text !== 'string') continue;
    const cleaned = stripBillingCch(b.text);
    if (cleaned !== undefined) parts.push(cleaned);
  }
  const text = parts.join('');
  return text === '' ? undefined : { role: 'system', content: text };
}

function textOf(parts: JsonObject[]): string {
  return parts
    .filter((p) => p.type === 'text')
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .join('');
}

function convertToolResult(block: JsonObject): JsonObject {
  let content: unknown = '';
  if (typeof block.content === 'string') content = block.content;
  else if (Array.isArray(block.content)) {
    const texts: string[] = [];
    const parts: JsonObject[] = [];
    let hasMedia = false;
    for (const sub of block.content) {
      if (!isObject(sub)) continue;
      if (sub.type === 'text' && typeof sub.text === 'string') {
        texts.push(sub.text);
        parts.push({ type: 'text', text: sub.text });
      } else if (sub.type === 'image' || sub.type === 'document') {
        const m = convertMedia(sub);
        if (m) {
          parts.push(m);
          hasMedia = true;
        }
      }
    }
    content = hasMedia ? parts : texts.join('');
  }
  return { role: 'tool', tool_call_id: block.tool_use_id, content };
}

function convertTools(req: JsonObject, out: JsonObject, toolNames: Map<string, string>): void {
  if (!Array.isArray(req.tools) || req.tools.length === 0) return;
  const tools: JsonObject[] = [];
  const declared = new Map<string, string>();
  for (const tool of req.tools) {
    if (!isObject(tool) || isBuiltinTool(tool)) continue;
    if (typeof tool.name !== 'string' || tool.name === '') continue;
    const name = openAiToolName(tool.name, toolNames);
    declared.set(tool.name, name);
    const fn: JsonObject = { name };
    if (tool.description !== undefined) fn.description = tool.description;
    if (tool.input_schema !== undefined) fn.parameters = tool.input_schema;
    tools.push({ type: 'function', function: fn });
  }
  if (tools.length > 0) out.tools = tools;
  const tc = out.tool_choice;
  if (isObject(tc) && tc.type === 'function' && isObject(tc.function) && typeof tc.function.name === 'string') {
    tc.function.name = declared.get(tc.function.name) ?? tc.function.name;
  }
}

/** Copy the scalar sampling / control fields. */
function convertParams(req: JsonObject, out: JsonObject): void {
  if (typeof req.model === 'string') out.model = req.model;
  if (req.stream !== undefined && req.stream !== null) {
    out.stream = req.stream;
    if (isSet(req.stream)) out.stream_options = { include_usage: true };
  }
  if (isSet(req.max_tokens)) out.max_completion_tokens = req.max_tokens;
  if (isSet(req.temperature)) out.temperature = req.temperature;
  if (isSet(req.top_p)) out.top_p = req.top_p;
  if (Array.isArray(req.stop_sequences)) out.stop = req.stop_sequences;
  if (isSet(req.thinking)) {
    const effort = convertThinking(req.thinking, req.output_config);
    if (effort !== undefined) out.reasoning_effort = effort;
  }
  if (isSet(req.tool_choice)) {
    const tc = convertToolChoice(req.tool_choice);
    if (tc !== undefined) out.tool_choice = tc;
    if (isObject(req.tool_choice) && req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  let format = req.output_format;
  if (!isObject(format) || Object.keys(format).length === 0) {
    format = isObject(req.output_config) ? req.output_config.format : undefined;
  }
  if (isObject(format) && format.type === 'json_schema' && isObject(format.schema) && Object.keys(format.schema).length > 0) {
    const schema = structuredClone(format.schema);
    normaliseStrictSchema(schema);
    out.response_format = { type: 'json_schema', json_schema: { name: 'structured_output', schema, strict: true } };
  }
  if (isObject(req.metadata) && typeof req.metadata.user_id === 'string') out.user = req.metadata.user_id;
  if (typeof req.service_tier === 'string') out.service_tier = req.service_tier;
}

/** One Anthropic message → its OpenAI messages; an error string for a malformed one. */
function convertMessage(msg: JsonObject, toolNames: Map<string, string>, out: JsonObject[], index: number): string | undefined {
  const role = msg.role as string;
  if (typeof msg.content === 'string') {
    out.push({ role, content: msg.content });
    return undefined;
  }
  if (!Array.isArray(msg.content) && !isObject(msg.content)) return `invalid message content at index ${index}`;
  const blocks = Array.isArray(msg.content) ? msg.content : [];
  const toolCalls: JsonObject[] = [];
  const toolResults: JsonObject[] = [];
  const parts: JsonObject[] = [];
  for (const block of blocks) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image' || block.type === 'document') {
      const m = convertMedia(block);
      if (m) parts.push(m);
    } else if (block.type === 'tool_use') {
      if (typeof block.id === 'string' && typeof block.name === 'string') {
        toolCalls.push({
          id: block.id,
          type: 'function',
          function: { name: openAiToolName(block.name, toolNames), arguments: JSON.stringify(block.input ?? {}) },
        });
      }
    } else if (block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
      toolResults.push(convertToolResult(block));
    }
  }
  if (toolResults.length > 0) {
    out.push(...toolResults);
    if (parts.length > 0) out.push({ role, content: parts });
    return undefined;
  }
  const m: JsonObject = { role };
  if (toolCalls.length > 0) {
    const text = textOf(parts);
    if (text !== '') m.content = text;
    m.tool_calls = toolCalls;
  } else if (parts.length === 0) m.content = '';
  else if (role === 'assistant') m.content = textOf(parts);
  else m.content = parts;
  out.push(m);
  return undefined;
}

/**
 * Convert an Anthropic Messages request body to an OpenAI Chat Completions body. Errors carry
 * APISIX's messages (`missing messages`, `invalid message at index <i>`, 1-based).
 */
export function anthropicToOpenAiRequest(req: JsonObject): Converted<ConvertedAnthropicRequest> {
  if (!Array.isArray(req.messages) || req.messages.length === 0) return { ok: false, error: 'missing messages' };
  const out: JsonObject = {};
  const toolNames = new Map<string, string>();
  convertParams(req, out);
  convertTools(req, out, toolNames);
  const messages: JsonObject[] = [];
  if (isSet(req.system)) {
    const sys = convertSystem(req.system);
    if (sys) messages.push(sys);
  }
  for (const [i, msg] of req.messages.entries()) {
    if (!isObject(msg) || typeof msg.role !== 'string') return { ok: false, error: `invalid message at index ${i + 1}` };
    const err = convertMessage(msg, toolNames, messages, i + 1);
    if (err) return { ok: false, error: err };
  }
  out.messages = messages;
  if (out.tools === undefined) {
    delete out.tool_choice;
    delete out.parallel_tool_calls;
  }
  return { ok: true, value: { body: out, toolNames } };
}

/**
 * Outgoing headers for an OpenAI upstream (convert_headers): a client `x-api-key` becomes
 * `Authorization: Bearer` unless one is set; `anthropic-*` and `x-stainless-*` are dropped.
 * Header names are lower-case. Mutates `headers`.
 */
export function anthropicToOpenAiHeaders(headers: Record<string, string | string[]>): void {
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key !== '') {
    if (headers.authorization === undefined) headers.authorization = `Bearer ${key}`;
    delete headers['x-api-key'];
  }
  for (const k of Object.keys(headers)) {
    if (k.startsWith('anthropic-') || k.startsWith('x-stainless-')) delete headers[k];
  }
}
