import { sourceOf, type ApisixDoc } from './catalog-apisix.js';
import type { Answer } from './provider-script.js';
import { readSource } from './verbatim.js';

// The responses printed in the stored APISIX 3.18 AI-plugin docs ("You should receive a response
// similar to ..."), read from the doc text itself so the impersonated OpenAI answers exactly what
// the doc shows and the suites compare against the same strings.

function jsonBlocks(doc: ApisixDoc): string[] {
  const md = readSource(sourceOf(doc).stored);
  return [...md.matchAll(/^```json\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '');
}

/** The JSON-string value of the first `"<field>": "..."` in the doc's `index`-th ```json block. */
function stringField(doc: ApisixDoc, index: number, field: string): string {
  const block = jsonBlocks(doc)[index];
  const m = block === undefined ? null : new RegExp(`"${field}": ("(?:[^"\\\\]|\\\\.)*")`).exec(block);
  if (!m?.[1]) throw new Error(`${doc}: no "${field}" in json block ${index}`);
  return JSON.parse(m[1]) as string;
}

/** Assistant contents and rewritten bodies the docs print. */
export const APISIX_DOC_ANSWERS = {
  /** ai-prompt-decorator: "What is mTLS authentication?" with the decorations. */
  mtls: stringField('ai-prompt-decorator', 0, 'content'),
  /** ai-prompt-template: "QnA with complexity" with brief / quick sort. */
  quickSort: stringField('ai-prompt-template', 0, 'content'),
  /** ai-prompt-template: the "echo" template. */
  echo: stringField('ai-prompt-template', 2, 'content'),
  /** ai-prompt-guard: the $12.5 coffee in El Paso. */
  coffeeElPaso: stringField('ai-prompt-guard', 0, 'content'),
  /** ai-prompt-guard: the conforming multi-message request. */
  coffeeConforming: stringField('ai-prompt-guard', 1, 'content'),
  /** ai-request-rewrite: what the LLM turns each body into (httpbin's `data`). */
  redacted: stringField('ai-request-rewrite', 0, 'data'),
  flight: stringField('ai-request-rewrite', 1, 'data'),
  summary: stringField('ai-request-rewrite', 2, 'data'),
  /** ai-cache: "What is Apache APISIX? Answer in one sentence." */
  apisixOneSentence: stringField('ai-cache', 0, 'content'),
} as const;

/** Scripted answer for the APISIX AI-plugin docs' prompts, by every message text of the request. */
export function apisixDocAnswer(texts: string[]): Answer | undefined {
  const all = texts.join('\n');
  const has = (s: string): boolean => all.includes(s);
  const A = APISIX_DOC_ANSWERS;
  // Token counts: the docs' usage blocks where printed, else small plausible numbers.
  if (has('What is mTLS authentication?')) return { content: A.mtls, promptTokens: 31, completionTokens: 124 };
  if (has('Explain quick sort.')) return { content: A.quickSort, promptTokens: 18, completionTokens: 234 };
  if (has('Echo hello APISIX.')) return { content: A.echo, promptTokens: 11, completionTokens: 3 };
  if (has('John paid $12.5 for a hot brewed coffee in El Paso.'))
    return { content: A.coffeeElPaso, promptTokens: 40, completionTokens: 38 };
  if (has('John paid $12.5 for a hot brewed coffee.'))
    return { content: A.coffeeConforming, promptTokens: 60, completionTokens: 17 };
  if (has('4111 1111 1111 1111')) return { content: A.redacted, promptTokens: 90, completionTokens: 30 };
  if (has('Book a flight from NYC to LA on April 10, 2022.'))
    return { content: A.flight, promptTokens: 40, completionTokens: 45 };
  if (has("I'm planning a trip to Japan")) return { content: A.summary, promptTokens: 160, completionTokens: 110 };
  if (
    has('What is Apache APISIX? Answer in one sentence.') ||
    has('What is Apache APISIX?') ||
    has('Can you explain what Apache APISIX is?')
  )
    return { content: A.apisixOneSentence, promptTokens: 19, completionTokens: 25 };
  return undefined;
}
