/**
 * OpenAI chat completions request → Bedrock Converse request (Portico extension: APISIX 3.17+
 * serves only Converse-speaking clients on bedrock). Pure; the model goes into the URL, not
 * the body, and `stream` only picks /converse or /converse-stream.
 */
import type { Converted, JsonObject } from '../types.js';

type Block = JsonObject;
interface ConverseMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const IMAGE_FORMATS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+);base64,(.*)$/is;

class ConversionError extends Error {}

function textBlocks(content: unknown, where: string, allowImages: boolean): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw new ConversionError(`${where}: content must be a string or an array`);
  const out: Block[] = [];
  for (const part of content) {
    if (!isObject(part)) throw new ConversionError(`${where}: content parts must be objects`);
    if (part.type === 'text' && typeof part.text === 'string') {
      out.push({ text: part.text });
    } else if (allowImages && part.type === 'image_url') {
      const url = isObject(part.image_url) ? part.image_url.url : undefined;
      const m = typeof url === 'string' ? DATA_URL.exec(url) : null;
      const format = m ? IMAGE_FORMATS[m[1]!.toLowerCase()] : undefined;
      if (!m || !format)
        throw new ConversionError(`${where}: only base64 data: URLs of png, jpeg, gif or webp images are supported`);
      out.push({ image: { format, source: { bytes: m[2]! } } });
    } else {
      throw new ConversionError(`${where}: unsupported content part type ${JSON.stringify(part.type)}`);
    }
  }
  return out;
}

function toolUseBlocks(toolCalls: unknown, where: string): Block[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw new ConversionError(`${where}: tool_calls must be an array`);
  return toolCalls.map((tc, i) => {
    const fn = isObject(tc) && isObject(tc.function) ? tc.function : undefined;
    if (!isObject(tc) || typeof tc.id !== 'string' || !fn || typeof fn.name !== 'string') {
      throw new ConversionError(`${where}.tool_calls[${i}]: id and function.name are required`);
    }
    let input: unknown = {};
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      try {
        input = JSON.parse(fn.arguments);
      } catch {
        throw new ConversionError(`${where}.tool_calls[${i}]: function.arguments is not valid JSON`);
      }
    }
    return { toolUse: { toolUseId: tc.id, name: fn.name, input } };
  });
}

/** Append to the conversation, merging into the previous message when the role repeats (Converse needs alternation). */
function push(messages: ConverseMessage[], role: ConverseMessage['role'], content: Block[]): void {
  if (content.length === 0) return;
  const last = messages[messages.length - 1];
  if (last && last.role === role) last.content.push(...content);
  else messages.push({ role, content });
}

function convertMessages(raw: unknown): { system: Block[]; messages: ConverseMessage[] } {
  if (!Array.isArray(raw)) throw new ConversionError('messages must be an array');
  const system: Block[] = [];
  const messages: ConverseMessage[] = [];
  raw.forEach((m, i) => {
    const where = `messages[${i}]`;
    if (!isObject(m)) throw new ConversionError(`${where} must be an object`);
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textBlocks(m.content, where, false));
        break;
      case 'user':
        push(messages, 'user', textBlocks(m.content, where, true));
        break;
      case 'assistant':
        push(messages, 'assistant', [...textBlocks(m.content, where, false), ...toolUseBlocks(m.tool_calls, where)]);
        break;
      case 'tool': {
        if (typeof m.tool_call_id !== 'string') throw new ConversionError(`${where}: tool_call_id is required`);
        const content = typeof m.content === 'string' ? [{ text: m.content }] : textBlocks(m.content, where, false);
        push(messages, 'user', [{ toolResult: { toolUseId: m.tool_call_id, content } }]);
        break;
      }
      default:
        throw new ConversionError(`${where}: unsupported role ${JSON.stringify(m.role)}`);
    }
  });
  return { system, messages };
}

function inferenceConfig(body: JsonObject): JsonObject | undefined {
  const cfg: JsonObject = {};
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') cfg.maxTokens = maxTokens;
  if (typeof body.temperature === 'number') cfg.temperature = body.temperature;
  if (typeof body.top_p === 'number') cfg.topP = body.top_p;
  if (typeof body.stop === 'string') cfg.stopSequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === 'string')) cfg.stopSequences = body.stop;
  return Object.keys(cfg).length > 0 ? cfg : undefined;
}

function toolConfig(body: JsonObject): JsonObject | undefined {
  if (!Array.isArray(body.tools) || body.tools.length === 0 || body.tool_choice === 'none') return undefined;
  const tools = body.tools.map((t, i) => {
    const fn = isObject(t) && isObject(t.function) ? t.function : undefined;
    if (!fn || typeof fn.name !== 'string') throw new ConversionError(`tools[${i}]: function.name is required`);
    const spec: JsonObject = { name: fn.name };
    if (typeof fn.description === 'string') spec.description = fn.description;
    spec.inputSchema = { json: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } };
    return { toolSpec: spec };
  });
  const out: JsonObject = { tools };
  const choice = body.tool_choice;
  if (choice === 'auto') out.toolChoice = { auto: {} };
  else if (choice === 'required') out.toolChoice = { any: {} };
  else if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === 'string') {
    out.toolChoice = { tool: { name: choice.function.name } };
  }
  return out;
}

/** Convert a (merged, validated) OpenAI chat body into a Converse body. */
export function openAiChatToConverse(body: JsonObject): Converted<JsonObject> {
  try {
    const { system, messages } = convertMessages(body.messages);
    const out: JsonObject = { messages };
    if (system.length > 0) out.system = system;
    const cfg = inferenceConfig(body);
    if (cfg) out.inferenceConfig = cfg;
    const tools = toolConfig(body);
    if (tools) out.toolConfig = tools;
    return { ok: true, value: out };
  } catch (err) {
    if (err instanceof ConversionError) return { ok: false, error: err.message };
    throw err;
  }
}
