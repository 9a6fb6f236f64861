import type { CanonicalMessage } from './messages.js';
import type { SemanticMatchConf } from './schema.js';

/** Indexes of the messages the embedding covers: the last `message_countback` not ignored by role. */
function embedWindow(messages: readonly CanonicalMessage[], m: SemanticMatchConf): Set<number> {
  const kept: number[] = [];
  messages.forEach((msg, i) => {
    const skip =
      (msg.role === 'system' && m.ignore_system_prompts) ||
      (msg.role === 'assistant' && m.ignore_assistant_prompts) ||
      (msg.role === 'tool' && m.ignore_tool_prompts);
    if (!skip) kept.push(i);
  });
  return new Set(kept.slice(Math.max(0, kept.length - m.message_countback)));
}

/** The text embedded for the L2 lookup: the window's non-empty texts joined by "\n". */
export function embedText(messages: readonly CanonicalMessage[], m: SemanticMatchConf): string {
  const w = embedWindow(messages, m);
  return messages
    .filter((_, i) => w.has(i))
    .map((x) => x.content)
    .filter((t) => t !== '')
    .join('\n');
}

/** The messages outside the window (system prompts, earlier turns): folded into the L2 partition. */
export function contextMessages(messages: readonly CanonicalMessage[], m: SemanticMatchConf): CanonicalMessage[] {
  const w = embedWindow(messages, m);
  return messages.filter((_, i) => !w.has(i));
}

const nonText = (b: unknown): boolean =>
  typeof b === 'object' &&
  b !== null &&
  (b as { type?: unknown }).type !== undefined &&
  (b as { type?: unknown }).type !== 'text';
const nonEmpty = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

/**
 * True when a message carries non-text content (images, ...) or tool/function calls: neither
 * is in the vector nor the partition, so such prompts skip the semantic layer.
 */
export function hasNonText(body: Readonly<Record<string, unknown>>): boolean {
  const msgs = body.messages;
  if (!Array.isArray(msgs)) return false;
  for (const msg of msgs) {
    if (typeof msg !== 'object' || msg === null) continue;
    const { tool_calls: tc, function_call: fc, content } = msg as Record<string, unknown>;
    if (nonEmpty(tc) || nonEmpty(fc)) return true;
    if (Array.isArray(content)) {
      if (content.some(nonText)) return true;
    } else if (nonText(content)) {
      return true;
    }
  }
  return false;
}
