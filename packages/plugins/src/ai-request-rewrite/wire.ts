/**
 * The side request's body and answer, in the provider's protocol: openai-chat for every
 * provider that speaks it (APISIX prefers it), bedrock-converse for bedrock
 * (ai-protocols/*.lua build_simple_request and extract_response_text).
 */
export type WireProtocol = 'openai-chat' | 'bedrock-converse';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * build_simple_request(prompt, client body, options), then base.lua build_body: the options
 * overwrite top-level fields, and `model` is removed for providers that carry it in the URL.
 */
export function buildRewriteBody(
  wire: WireProtocol,
  prompt: string,
  clientBody: string,
  options: Readonly<Json> | undefined,
  removeModel: boolean,
): Json {
  let body: Json;
  if (wire === 'bedrock-converse') {
    body = { messages: [{ role: 'user', content: [{ text: clientBody }] }], system: [{ text: prompt }] };
    if (options !== undefined && options.max_tokens !== undefined && options.max_tokens !== null) {
      body.inferenceConfig = { maxTokens: options.max_tokens };
    }
  } else {
    body = {
      messages: [
        { role: 'system', content: prompt },
        { role: 'user', content: clientBody },
      ],
      stream: false,
    };
    if (typeof options?.model === 'string') body.model = options.model;
  }
  if (options !== undefined) for (const [k, v] of Object.entries(options)) body[k] = v;
  if (removeModel) delete body.model;
  return body;
}

/**
 * extract_response_text: openai-chat joins the string `message.content` of every choice with
 * " " (a non-empty `choices` without any gives ""); bedrock joins the `output.message.content`
 * text blocks. undefined when the answer has no such text.
 */
export function extractText(wire: WireProtocol, res: unknown): string | undefined {
  if (!isObject(res)) return undefined;
  if (wire === 'bedrock-converse') {
    const message = isObject(res.output) ? res.output.message : undefined;
    if (!isObject(message) || !Array.isArray(message.content)) return undefined;
    const texts = message.content.filter(isObject).flatMap((b) => (typeof b.text === 'string' ? [b.text] : []));
    return texts.length > 0 ? texts.join(' ') : undefined;
  }
  if (!Array.isArray(res.choices) || res.choices.length === 0) return undefined;
  const texts: string[] = [];
  for (const choice of res.choices) {
    if (isObject(choice) && isObject(choice.message) && typeof choice.message.content === 'string')
      texts.push(choice.message.content);
  }
  return texts.join(' ');
}
