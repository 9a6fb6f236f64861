import { ConfError } from './errors.js';

type Tree = Record<string, unknown>;

function isMap(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Paths whose type may differ from the default's (apisix/cli/file.lua path_is_multi_type):
// any nginx_config scalar may be a number or a string, node_listen may be a bare number.
function multiType(path: string, v: unknown): boolean {
  if (path.startsWith('nginx_config.') && (typeof v === 'number' || typeof v === 'string')) return true;
  return path === 'apisix.node_listen' && typeof v === 'number';
}

/**
 * Merge the user's config over the defaults as APISIX merge_conf does: maps merge key by key,
 * arrays replace, an explicit `null` removes the default, and a scalar of another type than the
 * default is an error (except the multi-type paths).
 */
export function mergeConf(base: Tree, user: Tree, path = ''): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(user)) {
    const p = path ? `${path}.${k}` : k;
    const cur = out[k];
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = v;
    } else if (isMap(v)) {
      out[k] = mergeConf(isMap(cur) ? cur : {}, v, p);
    } else if (cur === undefined || typeof cur === typeof v || multiType(p, v)) {
      out[k] = v;
    } else {
      throw new ConfError(
        'conf_invalid',
        `failed to merge, path[${p.replaceAll('.', '->')}] expect: ${luaType(cur)}, but got: ${luaType(v)}`,
      );
    }
  }
  return out;
}

function luaType(v: unknown): string {
  if (Array.isArray(v) || isMap(v)) return 'table';
  return typeof v;
}
