/**
 * apisix/admin/secrets.lua check_conf: the id is `<manager>/<id>`; the body must match that
 * secret manager's schema.
 */
import { secretManagerSchemas } from '@portico/secrets/schemas';
import { checkSchema } from '../checks.js';
import { fail } from '../errors.js';

export function checkSecret(id: string | number | undefined, conf: Record<string, unknown>): void {
  const s = id === undefined ? '' : String(id);
  const slash = s.indexOf('/');
  if (slash <= 0 || slash === s.length - 1) throw fail('missing secret type');
  const manager = s.slice(0, slash);
  const schema = secretManagerSchemas[manager];
  if (!schema) throw fail(`invalid secret manager: ${manager}`);
  checkSchema(schema, conf);
}
