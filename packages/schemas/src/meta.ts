/** Injection of the `_meta` property into plugin schemas (apisix/plugin.lua load_plugin). */
import type { JsonSchema } from '@portico/plugin-sdk';

export const INJECTED_COMMENT = 'this is a mark for our injected plugin schema';

/** apisix/schema_def.lua `plugin_injected_schema._meta`. */
export const metaSchema: JsonSchema = {
  type: 'object',
  properties: {
    disable: { type: 'boolean' },
    error_response: { oneOf: [{ type: 'string' }, { type: 'object' }] },
    priority: { type: 'integer', description: 'priority of plugins by customized order' },
    filter: { type: 'array', description: 'filter determines whether the plugin needs to be executed at runtime' },
    pre_function: { type: 'string' },
  },
  additionalProperties: false,
};

const injected = new WeakMap<object, JsonSchema>();

/**
 * The plugin schema with `_meta` and the `$comment` mark added. Returns a new object (cached
 * per input identity, so validators compiled from it are reused); already-marked schemas are
 * returned as they are.
 */
export function injectMeta(schema: JsonSchema): JsonSchema {
  if (schema.$comment === INJECTED_COMMENT) return schema;
  let out = injected.get(schema);
  if (!out) {
    const props = (schema.properties ?? {}) as Record<string, unknown>;
    out = { ...schema, $comment: INJECTED_COMMENT, properties: { ...props, _meta: metaSchema } };
    injected.set(schema, out);
  }
  return out;
}
