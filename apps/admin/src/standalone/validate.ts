/**
 * Whole-configuration validation (apisix/admin/config_validate.lua): every item of every
 * resource array is checked as the Admin API checks a write (references not looked up), ids
 * must be unique per resource, `<resource>_conf_version` must be a number. Used by
 * `POST /apisix/admin/configs/validate` and by the standalone `PUT /apisix/admin/configs`.
 */
import { resourceKind, STANDALONE_KIND_NAMES } from '@portico/schemas';
import { AdminError } from '../errors.js';
import type { AdminContext } from '../context.js';
import { checkResource } from '../resources/check.js';

export interface ValidationError {
  resource_type: string;
  resource_id?: string | number;
  index?: number;
  error: string;
}

/** The `<resource>_conf_version` keys of a standalone configuration. */
export const CONF_VERSION_KEYS: readonly string[] = [...STANDALONE_KIND_NAMES, 'plugins'].map((k) => `${k}_conf_version`);

function message(e: unknown): string {
  if (e instanceof AdminError) {
    const b = e.body;
    return typeof b === 'string' ? b : String((b as { error_msg?: unknown }).error_msg ?? JSON.stringify(b));
  }
  return e instanceof Error ? e.message : String(e);
}

/** One item: which kind checks it (credentials inside `consumers`), under which identity. */
async function checkItem(ctx: AdminContext, dir: string, item: unknown): Promise<void> {
  const obj = (typeof item === 'object' && item !== null && !Array.isArray(item) ? item : {}) as Record<string, unknown>;
  const id = obj.id as string | number | undefined;
  const copy = structuredClone(item) as Record<string, unknown>;
  // modifiedIndex marks changed items in a standalone configuration (APISIX adds it to every schema).
  if (copy && typeof copy === 'object') delete copy.modifiedIndex;
  if (dir === 'consumers' && typeof id === 'string' && id.includes('/credentials/')) {
    const [parent, , cid] = id.split('/');
    delete copy.id;
    await checkResource(ctx, resourceKind('credentials')!, cid, copy, parent ?? '', { skipReferences: true });
    return;
  }
  const kind = resourceKind(dir)!;
  // The standalone loader keys items by id (or username): the kind's own identity rules apply.
  const identity = kind.id.kind === 'id' ? id : kind.id.kind === 'field' ? (obj[kind.id.field] as string | undefined) : id;
  await checkResource(ctx, kind, identity, copy, '', { skipReferences: true });
}

/**
 * Validate a parsed configuration. With `all`, every error is collected; otherwise the first
 * one is returned alone.
 */
export async function validateConfiguration(
  ctx: AdminContext,
  body: Record<string, unknown>,
  all: boolean,
): Promise<{ valid: true } | { valid: false; first: string; errors: ValidationError[] }> {
  const errors: ValidationError[] = [];
  for (const dir of STANDALONE_KIND_NAMES) {
    const versionKey = `${dir}_conf_version`;
    const v = body[versionKey];
    if (v !== undefined && typeof v !== 'number') {
      errors.push({ resource_type: dir, error: `${versionKey} must be a number${all ? `, got ${typeof v}` : ''}` });
      if (!all) return { valid: false, first: `${versionKey} must be a number`, errors };
    }
    const items = body[dir];
    if (!Array.isArray(items)) continue;
    const seen = new Set<string>();
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as Record<string, unknown>;
      const resourceId = (item?.id ?? item?.username ?? '') as string | number;
      try {
        await checkItem(ctx, dir, item);
      } catch (e) {
        errors.push({ resource_type: dir, resource_id: resourceId, index, error: message(e) });
        if (!all) return { valid: false, first: message(e), errors };
      }
      const ident = item?.id ?? (dir === 'consumers' ? item?.username : undefined);
      if (ident !== undefined && ident !== null) {
        const key = String(ident);
        if (seen.has(key)) {
          const what = dir === 'consumers' ? (item?.id !== undefined ? 'credential id' : 'username') : 'id';
          const err = `found duplicate ${what} ${key} in ${dir}`;
          errors.push({ resource_type: dir, resource_id: resourceId, index, error: err });
          if (!all) return { valid: false, first: err, errors };
        }
        seen.add(key);
      }
    }
  }
  return errors.length === 0 ? { valid: true } : { valid: false, first: errors[0]!.error, errors };
}
