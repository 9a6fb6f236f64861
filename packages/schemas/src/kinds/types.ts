/**
 * The shape of one resource kind (apisix/admin/<name>.lua + apisix/core/config_etcd.lua facts):
 * everything the Admin API and the data plane need to know about a kind, as data. Both apps
 * derive their behaviour from the table in `table.ts`; neither branches on a kind's name.
 */
import type { JsonSchema, PrepareEnv } from '@portico/plugin-sdk';

export type AdminMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** How an object is identified (apisix/admin/resource.lua `no_id_res`). */
export type IdPolicy =
  /** `id` from the URL or the body, stored as `value.id`; POST generates one from etcd. */
  | { readonly kind: 'id' }
  /** Identity is a body field (consumers: `username`); a URL segment must equal it (`wrong <field>`). */
  | { readonly kind: 'field'; readonly field: string }
  /** Identity is the URL segment (plugin_metadata: the plugin name), written to `value.id` on PUT. */
  | { readonly kind: 'name'; readonly missing: string };

/** Where objects live in etcd, relative to the prefix. */
export type KeyLayout =
  /** `/<name>/<id>` */
  | { readonly kind: 'dir' }
  /** `/<parent>/<parentId>/<segment>/<id>` (credentials under their consumer). */
  | { readonly kind: 'child'; readonly parent: string; readonly segment: string }
  /** `/<name>/<type>/<id>`: the id is `<type>/<id>` (secrets: `vault/1`, the manager first). */
  | { readonly kind: 'typed' };

/** How the kind's `plugins` map is checked (Admin API) and prepared (data plane). */
export interface PluginMap {
  /** Plugin schema the confs are checked against. */
  readonly schemaType: 'route' | 'consumer';
  /** Scope the data plane prepares them in. */
  readonly scope: PrepareEnv['scope'];
  /** Prefix of the Admin API's plugin error (`invalid plugins configuration: `). */
  readonly errorPrefix?: string;
  /** Only `auth` plugins are allowed (credentials.lua). */
  readonly authOnly?: boolean;
  /** Auth keys must be unique across consumers and credentials (consumer.lua check_duplicate_key). */
  readonly uniqueAuthKeys?: boolean;
  /** A plugin may appear in one object of this kind only (global-rules-conflict.t). */
  readonly uniqueAcrossKind?: boolean;
}

/** A field holding the id of an object of another kind, checked to exist on write. */
export interface Reference {
  readonly field: string;
  readonly kind: string;
}

/** Who may still use an object: DELETE is refused while one exists (skipped with `?force=true`). */
export interface Referrer {
  readonly kind: string;
  /** Word in the message: `..., <label> [<id>] is still using it now`. */
  readonly label: string;
  /** Field holding the deleted object's id. */
  readonly field?: string;
  /** traffic-split `rules[].weighted_upstreams[].upstream_id` also refer (`plugin in <label> [...]`). */
  readonly viaPlugins?: boolean;
}

export interface DeleteGuard {
  /** Message head, e.g. `can not delete this service directly`. */
  readonly message: string;
  /** Scanned in order; the first referrer found is reported. */
  readonly referrers: readonly Referrer[];
}

/**
 * Checks a write goes through, in APISIX's order for the kind:
 * `exclusive` (pairs of fields only one of which may be set), `schema` (the kind's JSON schema),
 * `upstream` (checkUpstream on the inline `upstream` or on the value itself), `identity`
 * (id policy rules), `plugins` (the plugin map), `references` (referenced objects exist),
 * `vars` (the route `vars` expression), `metadata` (the value is the metadata of the plugin
 * named by the id).
 */
export type CheckStep =
  | 'exclusive'
  | 'schema'
  | 'upstream'
  | 'identity'
  | 'plugins'
  | 'references'
  | 'vars'
  | 'metadata'
  /** certificates and keys parse, as many keys as certs (apisix/ssl.lua check_ssl_conf) */
  | 'ssl'
  /** the conf matches the schema of the secret manager named by the id's type (apisix/admin/secrets.lua) */
  | 'secret';

export interface ResourceKind {
  /** URL segment and etcd directory, e.g. `routes`. */
  readonly name: string;
  /** Word used in messages, e.g. `route`, `plugin config`. */
  readonly word: string;
  /** Resource JSON schema (`{type: "object"}` when the kind has none of its own). */
  readonly schema: JsonSchema;
  /** Name under `GET /apisix/admin/schema/<name>` (apisix/schema_def.lua), when served. */
  readonly schemaName?: string;
  /** Whether the data plane checks `schema` on every synced value. */
  readonly syncSchema: boolean;
  readonly id: IdPolicy;
  readonly key: KeyLayout;
  /** Admin API methods answered `405 not supported`. */
  readonly unsupported: readonly AdminMethod[];
  readonly checks: readonly CheckStep[];
  /** Pairs of fields only one of which may be set (`only one of a or b is allowed`). */
  readonly exclusive?: readonly (readonly [string, string])[];
  /** Where `checkUpstream` applies: the `upstream` field or the whole value. */
  readonly upstream?: 'inline' | 'self';
  readonly plugins?: PluginMap;
  readonly references?: readonly Reference[];
  readonly deleteGuard?: DeleteGuard;
  /**
   * What is encrypted at rest: the `plugins` map's encrypt_fields, the metadata's own, an ssl
   * object's private keys (`key`, `keys[]`, PEM only: apisix/ssl.lua aes_encrypt_pkey), or nothing.
   */
  readonly encrypted: 'plugins' | 'metadata' | 'ssl-keys' | 'none';
  /** Fields never returned by GET (ssls: `key`, `keys` — apisix/admin/resource.lua). */
  readonly hiddenOnRead?: readonly string[];
  /** Whether writes stamp `create_time` / `update_time`. */
  readonly timestamps: boolean;
  /** Fields the `filter=` list query may compare (v3 adapter). */
  readonly listFilterFields?: readonly string[];
}
