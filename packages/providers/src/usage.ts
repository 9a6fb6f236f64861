/** Token counts as APISIX exposes them (ctx.ai_token_usage). */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Normalise a provider `usage` object. Accepts OpenAI (`prompt_tokens`) and Anthropic-style
 * (`input_tokens`) names; total defaults to prompt + completion (openai-base.lua read_response).
 * Returns undefined when `usage` is not an object (`null` usage on non-final stream events).
 */
export function normaliseUsage(usage: unknown): TokenUsage | undefined {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return undefined;
  const u = usage as Record<string, unknown>;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens) ?? 0;
  const completion = num(u.completion_tokens) ?? num(u.output_tokens) ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(u.total_tokens) ?? prompt + completion };
}

/** The `usage` member of a parsed response or stream event, if it is an object. */
export function rawUsageOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const usage = (body as { usage?: unknown }).usage;
  return typeof usage === 'object' && usage !== null && !Array.isArray(usage) ? (usage as Record<string, unknown>) : undefined;
}

function choicesOf(body: unknown): unknown[] {
  if (typeof body !== 'object' || body === null) return [];
  const choices = (body as { choices?: unknown }).choices;
  return Array.isArray(choices) ? choices : [];
}

/** Every `choices[i].message.content` string of a chat completion (APISIX joins them with " "). */
export function messageTexts(body: unknown): string[] {
  const out: string[] = [];
  for (const c of choicesOf(body)) {
    const content = (c as { message?: { content?: unknown } } | null)?.message?.content;
    if (typeof content === 'string') out.push(content);
  }
  return out;
}

/** Every `choices[i].delta.content` string of a stream chunk. */
export function deltaTexts(event: unknown): string[] {
  const out: string[] = [];
  for (const c of choicesOf(event)) {
    const content = (c as { delta?: { content?: unknown } } | null)?.delta?.content;
    if (typeof content === 'string') out.push(content);
  }
  return out;
}

/** `model` of a response body or stream chunk, if a string. */
export function modelOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const m = (body as { model?: unknown }).model;
  return typeof m === 'string' ? m : undefined;
}
