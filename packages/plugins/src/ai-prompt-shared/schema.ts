/** Schema pieces the AI prompt plugins share (pure data, no runtime). */
import type { JsonSchema } from '@portico/plugin-sdk';

/** `max_req_body_size` of every 3.17+ AI plugin: 64 MiB by default. */
export const maxReqBodySizeSchema: JsonSchema = {
  type: 'integer',
  minimum: 1,
  default: 67108864,
  description: 'maximum request body size in bytes buffered into memory; larger request bodies are rejected',
};

/** A configured prompt `{role, content}` (ai-prompt-decorator.lua / ai-prompt-template.lua prompt_schema). */
export const promptSchema: JsonSchema = {
  properties: {
    role: { type: 'string', enum: ['system', 'user', 'assistant'] },
    content: { type: 'string', minLength: 1 },
  },
  required: ['role', 'content'],
};
