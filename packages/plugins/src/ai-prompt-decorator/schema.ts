/**
 * ai-prompt-decorator definition (apisix/plugins/ai-prompt-decorator.lua, APISIX 3.18):
 * schema, priority and version only. The runtime (rewrite hook) lives in ./index.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { maxReqBodySizeSchema, promptSchema } from '../ai-prompt-shared/schema.js';
import type { PromptMessage } from '../ai-prompt-shared/protocols.js';

const prompts: JsonSchema = { type: 'array', items: promptSchema };

export const aiPromptDecoratorSchema: JsonSchema = {
  type: 'object',
  properties: {
    max_req_body_size: maxReqBodySizeSchema,
    prepend: prompts,
    append: prompts,
  },
  anyOf: [{ required: ['prepend'] }, { required: ['append'] }, { required: ['append', 'prepend'] }],
};

/** A validated ai-prompt-decorator conf (defaults applied). */
export interface AiPromptDecoratorConf {
  max_req_body_size: number;
  prepend?: PromptMessage[];
  append?: PromptMessage[];
}

export const aiPromptDecoratorDefinition: PluginDefinition<AiPromptDecoratorConf> = {
  name: 'ai-prompt-decorator',
  version: 0.1,
  priority: 1070,
  schema: aiPromptDecoratorSchema,
};
