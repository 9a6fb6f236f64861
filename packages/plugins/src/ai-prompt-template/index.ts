/**
 * ai-prompt-template runtime (apisix/plugins/ai-prompt-template.lua, APISIX 3.18): in the
 * rewrite phase, the client names a configured template in `template_name` and fills its
 * `{{variables}}` from the other body fields; the rendered template replaces the body that
 * later plugins (ai-proxy) and the upstream see.
 */
import { definePlugin } from '@portico/plugin-helpers';
import type { Reply } from '@portico/plugin-sdk';
import { replaceBody } from '../ai-prompt-shared/body.js';
import { isReply, readJsonBody } from '../ai-prompt-shared/json-body.js';
import { luaNumber } from './lua-text.js';
import { compileTemplate, renderTemplate, TemplateRenderError, type CompiledTemplate } from './render.js';
import { aiPromptTemplateDefinition, type AiPromptTemplateConf } from './schema.js';

interface TemplateState {
  maxSize: number;
  /** Templates by name; the first of duplicate names wins, as find_template's loop. */
  byName: ReadonlyMap<string, CompiledTemplate>;
}

const bad = (message: string): Reply => ({ status: 400, body: { message } });

/**
 * `template_name` as Lua's `..` prints it: strings as they are, numbers as tostring (they never
 * equal a configured name). undefined when APISIX would not find a usable name.
 */
function templateName(body: unknown): { name: string; lookup: boolean } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const v = (body as Record<string, unknown>).template_name;
  if (typeof v === 'string') return { name: v, lookup: true };
  if (typeof v === 'number') return { name: luaNumber(v), lookup: false };
  return undefined;
}

export const aiPromptTemplate = definePlugin<AiPromptTemplateConf, TemplateState>(aiPromptTemplateDefinition, {
  prepare(conf) {
    const byName = new Map<string, CompiledTemplate>();
    for (const t of conf.templates) if (!byName.has(t.name)) byName.set(t.name, compileTemplate(t.template));
    return { maxSize: conf.max_req_body_size, byName };
  },
  async rewrite(ctx, s) {
    const got = await readJsonBody(ctx, s.maxSize);
    if (isReply(got)) return got;
    const named = templateName(got.body);
    if (named === undefined) return bad('template name is missing in request.');
    const compiled = named.lookup ? s.byName.get(named.name) : undefined;
    if (compiled === undefined) return bad(`template: ${named.name} not configured.`);
    // body-transformer answers 503 with `{"message": "request template ..."}` when the
    // template cannot be compiled or rendered.
    if (!compiled.ok) return { status: 503, body: { message: `request template compile: ${compiled.error}` } };
    let rendered: string;
    try {
      rendered = renderTemplate(compiled.node, { body: got.body, rawBody: got.raw, ctx });
    } catch (e) {
      if (e instanceof TemplateRenderError) return { status: 503, body: { message: `request template rendering: ${e.message}` } };
      throw e;
    }
    replaceBody(ctx, rendered);
    return undefined;
  },
});
