/**
 * A standalone configuration (APISIX `conf/apisix.yaml` / `apisix.json` / the body of
 * `PUT /apisix/admin/configs`) as etcd-style entries: each item of a top-level resource array
 * becomes `<prefix>/<resource>/<id>` holding its JSON, with the id taken as
 * apisix/core/config_yaml.lua does (`id`, else `username`, else `arr_<index>`, 1-based).
 * `<resource>_conf_version` numbers and other top-level keys are not items.
 */

/** The resource directories a standalone file may hold (apisix/constants.lua HTTP + STREAM dirs). */
export const STANDALONE_RESOURCES = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'ssls',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'consumer_groups',
  'protos',
  'stream_routes',
  'secrets',
] as const;

export class StandaloneConfigError extends Error {
  readonly code = 'invalid_standalone_config';
}

/** Entries of a parsed standalone config; throws StandaloneConfigError when it is not an object. */
export function standaloneEntries(config: unknown, prefix: string): Map<string, string> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new StandaloneConfigError('the configuration must be an object of resource arrays');
  }
  const out = new Map<string, string>();
  const root = config as Record<string, unknown>;
  for (const dir of STANDALONE_RESOURCES) {
    const items = root[dir];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) {
      // plugin_metadata / a single object is not an array: APISIX's loader iterates arrays only.
      throw new StandaloneConfigError(`${dir} must be an array`);
    }
    items.forEach((item, i) => {
      const obj = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : undefined;
      const raw = obj?.id ?? obj?.username ?? `arr_${i + 1}`;
      const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : `arr_${i + 1}`;
      out.set(`${prefix}/${dir}/${id}`, JSON.stringify(item));
    });
  }
  return out;
}
