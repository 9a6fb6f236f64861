/** apisix/schema_def.lua: the shared schema pieces of the auth plugins. */
import type { JsonSchema } from '@portico/plugin-sdk';

/** `get_realm_schema(default)`: printable ASCII except `"` and `\`, 1–128 characters. */
export function realmSchema(defaultValue: string): JsonSchema {
  return { type: 'string', pattern: '^[ -!#-[\\]-~]+$', default: defaultValue, minLength: 1, maxLength: 128 };
}

/** `anonymous_consumer_schema`. */
export const anonymousConsumerSchema: JsonSchema = { type: 'string', minLength: 1 };
