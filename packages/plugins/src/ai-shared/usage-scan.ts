import { getProtocol } from '@portico/providers';
import type { AiRunState } from './keys.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const COLON = 0x3a;
const COMMA = 0x2c;
const USAGE_KEY = Buffer.from('"usage"');
const TOOL_CALLS_KEY = Buffer.from('"tool_calls"');

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function skipSpace(raw: Buffer, i: number): number {
  while (i < raw.length && isSpace(raw[i]!)) i++;
  return i;
}

function skipSpaceBack(raw: Buffer, i: number): number {
  while (i >= 0 && isSpace(raw[i]!)) i--;
  return i;
}

/** Index of the `}` closing the object that opens at `start`, honouring strings; -1 when unbalanced. */
function objectEnd(raw: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === QUOTE) {
      for (i++; i < raw.length && raw[i] !== QUOTE; i++) if (raw[i] === BACKSLASH) i++;
    } else if (b === OPEN) depth++;
    else if (b === CLOSE && --depth === 0) return i;
  }
  return -1;
}

/**
 * The `usage` member of a JSON object body, found without parsing the whole body: OpenAI-shaped
 * answers end with `"usage":{...}}`. Only that exact layout is taken — the last `"usage"` key,
 * an object value, followed by nothing but the `}` that closes the body — so the member is
 * the root object's (the last byte of a JSON document closes its root). Anything else
 * (no usage, usage not last, a non-object value, odd bytes) returns undefined and the caller
 * parses the whole body as before — and so does any body holding a `"tool_calls"` key, whose
 * tool-call facts (llm_* variables) need the parsed choices. Parsing a chat answer whole cost ~3 µs of the ~80 µs of
 * CPU a proxied request takes; the usage object alone is a few dozen bytes.
 */
export function scanTrailingUsage(raw: Buffer): Record<string, unknown> | undefined {
  const last = skipSpaceBack(raw, raw.length - 1);
  if (last < 0 || raw[last] !== CLOSE || raw[skipSpace(raw, 0)] !== OPEN) return undefined;
  if (raw.indexOf(TOOL_CALLS_KEY) >= 0) return undefined;
  const key = raw.lastIndexOf(USAGE_KEY);
  if (key <= 0) return undefined;
  // A key starts a member: after `{` or `,` (an escaped quote inside a string never matches this).
  const before = raw[skipSpaceBack(raw, key - 1)];
  if (before !== COMMA && before !== OPEN) return undefined;
  let i = skipSpace(raw, key + 7);
  if (raw[i] !== COLON) return undefined;
  i = skipSpace(raw, i + 1);
  if (raw[i] !== OPEN) return undefined;
  const end = objectEnd(raw, i);
  if (end < 0 || skipSpace(raw, end + 1) !== last) return undefined;
  try {
    const usage: unknown = JSON.parse(raw.toString('utf8', i, end + 1));
    return usage !== null && typeof usage === 'object' ? (usage as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The response text for logging (llm_response_text): `state.responseText` when set, else the
 * joined message texts of the buffered answer kept in `state.responseRaw`, extracted on this
 * first read and stored (only `logging.payloads` and loggers read it, so most requests never
 * pay for the parse).
 */
export function responseTextOf(state: AiRunState | undefined): string | undefined {
  if (state === undefined) return undefined;
  const raw = state.responseRaw;
  if (state.responseText === undefined && raw !== undefined) {
    state.responseRaw = undefined;
    try {
      // The same extraction the full parse does for an OpenAI chat client (protocol-response.ts).
      const text = getProtocol('openai-chat')?.extractResponseText(JSON.parse(raw.toString('utf8')));
      if (text !== undefined) state.responseText = text;
    } catch {
      // not JSON: no text, as when it was parsed up front
    }
  }
  return state.responseText;
}

/** True when the request is OpenAI chat end to end (no protocol plan, or one without converter). */
export function isPlainOpenAiChat(state: AiRunState): boolean {
  const plan = state.plan;
  return plan === undefined || (plan.client.name === 'openai-chat' && plan.converter === undefined);
}
