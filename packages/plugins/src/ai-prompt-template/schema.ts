/**
 * ai-prompt-template definition (apisix/plugins/ai-prompt-template.lua, APISIX 3.18): schema,
 * priority and version only. The runtime (rewrite hook) lives in ./index.ts.
 */
import type { JsonSchema, PluginDefinition } from '@portico/plugin-sdk';
import { maxReqBodySizeSchema, promptSchema } from '../ai-prompt-shared/schema.js';

export const aiPromptTemplateSchema: JsonSchema = {
  type: 'object',
  properties: {
    max_req_body_size: maxReqBodySizeSchema,
    templates: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', minLength: 1 },
          template: {
            type: 'object',
            properties: {
              model: { type: 'string', minLength: 1 },
              messages: { type: 'array', minItems: 1, items: promptSchema },
            },
          },
        },
        required: ['name', 'template'],
      },
    },
  },
  required: ['templates'],
};

/** One configured template: its name and the body it renders (model, messages, any extra field). */
export interface PromptTemplate {
  name: string;
  template: Record<string, unknown>;
}

/** A validated ai-prompt-template conf (defaults applied). */
export interface AiPromptTemplateConf {
  max_req_body_size: number;
  templates: PromptTemplate[];
}

export const aiPromptTemplateDefinition: PluginDefinition<AiPromptTemplateConf> = {
  name: 'ai-prompt-template',
  version: 0.1,
  priority: 1071,
  schema: aiPromptTemplateSchema,
};
