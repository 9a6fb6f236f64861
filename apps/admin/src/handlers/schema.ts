/** Schema endpoints (apisix/admin/schema.lua, apisix/admin/init.lua schema_validate). */
import { coreSchemas, compileSchema, type ResourceKind } from '@portico/schemas';
import { AdminError, fail } from '../errors.js';

/** `GET /apisix/admin/schema/<name>`: a core schema or 400 `not found schema: <name>`. */
export function coreSchema(name: string | undefined): unknown {
  const s = name === undefined ? undefined : coreSchemas[name];
  if (!s) throw fail(`not found schema: ${String(name)}`);
  return s;
}

/**
 * `POST /apisix/admin/schema/validate/<resource>`: JSON schema only (no plugins, no references),
 * error without the `invalid configuration: ` prefix. Returns normally when valid (200, empty body).
 */
export function validateAgainst(desc: ResourceKind, body: unknown): void {
  const err = compileSchema(desc.schema)(body === undefined ? undefined : structuredClone(body));
  if (err !== undefined) throw new AdminError(400, { error_msg: err }, { versioned: false });
}
