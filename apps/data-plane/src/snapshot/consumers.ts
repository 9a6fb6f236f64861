import type { AuthMatch, ConsumerDirectory, ConsumerInfo } from '@portico/plugin-sdk';
import { layer, type PluginSet, type PreparedPlugin } from '../chain/chain.js';
import type { ItemStore } from './items.js';

interface AuthEntry {
  info: ConsumerInfo;
  plugin: string;
  conf: Record<string, unknown>;
}

function runnableOnly(set: PluginSet | undefined): Map<string, PreparedPlugin> {
  const out = new Map<string, PreparedPlugin>();
  if (set) for (const [n, p] of set) if (p.module.type !== 'auth') out.set(n, p);
  return out;
}

function confsOf(set: PluginSet | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (set) for (const [n, p] of set) out[n] = p.conf;
  return out;
}

/**
 * The (plugin, attribute) pairs auth plugins look consumers up by (the attributes
 * apisix/consumer.lua keeps unique); their indexes are built with the snapshot.
 */
export const AUTH_LOOKUPS: readonly (readonly [string, string])[] = [
  ['key-auth', 'key'],
  ['basic-auth', 'username'],
  ['jwt-auth', 'key'],
  ['hmac-auth', 'key_id'],
];

const UNRESOLVED = Symbol('unresolved');

/**
 * `$env://NAME` references still present in consumer auth confs are resolved when the index is
 * built (apisix/consumer.lua uses secret.fetch_secrets); a reference that cannot be resolved here
 * (an unset variable, or a `$secret://` one the preparer could not resolve) leaves that consumer
 * out — fail closed.
 */
function resolveRef(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const lower = v.slice(0, 9).toLowerCase();
  if (lower.startsWith('$env://')) return process.env[v.slice(7)] ?? UNRESOLVED;
  if (lower.startsWith('$secret://')) return UNRESOLVED;
  return v;
}

/**
 * The auth conf with every top-level reference resolved (the same object when it has none),
 * or undefined when one cannot be resolved: APISIX skips such a consumer
 * (`secret.has_secret_ref` after fetch_secrets), so a client can never authenticate with the
 * literal reference string as a password or secret.
 */
function resolveConf(conf: Record<string, unknown>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(conf)) {
    const r = resolveRef(v);
    if (r === UNRESOLVED) return undefined;
    if (r !== v) (out ??= { ...conf })[k] = r;
  }
  return out ?? conf;
}

/**
 * Consumers and credentials of one snapshot (apisix/consumer.lua): lookup by username and
 * by an auth plugin attribute (key-auth `key`, ...). A credential maps back to a copy of its
 * consumer carrying `credentialId`. Indexes are built once per snapshot.
 */
export class Consumers implements ConsumerDirectory {
  private readonly byUser = new Map<string, ConsumerInfo>();
  private readonly sets = new WeakMap<ConsumerInfo, PluginSet | null>();
  private readonly auth: AuthEntry[] = [];
  private readonly indexes = new Map<string, Map<string, AuthMatch>>();

  constructor(items: ItemStore, warn: (msg: string, obj: object) => void) {
    const groups = items.of('consumer_groups');
    for (const item of items.of('consumers').values()) {
      const v = item.value;
      const username = typeof v.username === 'string' ? v.username : item.id;
      const groupId = v.group_id === undefined ? undefined : String(v.group_id);
      const info: ConsumerInfo = {
        username,
        plugins: confsOf(item.plugins),
        key: item.key,
        ...(groupId !== undefined ? { groupId } : {}),
        ...(v.labels && typeof v.labels === 'object' ? { labels: v.labels as Record<string, string> } : {}),
      };
      this.byUser.set(username, info);
      let set: PluginSet | null;
      if (groupId !== undefined) {
        const g = groups.get(groupId);
        if (!g) {
          warn('consumer group not found', { consumer: username, group_id: groupId });
          set = null;
        } else set = layer(runnableOnly(g.plugins), runnableOnly(item.plugins));
      } else set = runnableOnly(item.plugins);
      this.sets.set(info, set);
      this.addAuth(info, item.plugins);
    }
    for (const item of items.of('credentials').values()) {
      const [user, , cid] = item.id.split('/');
      const parent = this.byUser.get(user!);
      if (!parent) continue;
      const info: ConsumerInfo = { ...parent, credentialId: cid! };
      this.sets.set(info, this.sets.get(parent) ?? null);
      this.addAuth(info, item.plugins);
    }
  }

  private addAuth(info: ConsumerInfo, set: PluginSet | undefined): void {
    if (!set) return;
    for (const [name, p] of set) {
      if (p.module.type === 'auth') this.auth.push({ info, plugin: name, conf: p.conf as Record<string, unknown> });
    }
  }

  byUsername(username: string): ConsumerInfo | undefined {
    return this.byUser.get(username);
  }

  findByAuth(plugin: string, attr: string, value: string): ConsumerInfo | undefined {
    return this.findCredential(plugin, attr, value)?.consumer;
  }

  findCredential(plugin: string, attr: string, value: string): AuthMatch | undefined {
    const id = plugin + '\u0000' + attr;
    let idx = this.indexes.get(id);
    if (idx === undefined) {
      idx = new Map();
      // Later entries win on duplicates, as APISIX's "last loaded wins".
      for (const e of this.auth) {
        if (e.plugin !== plugin) continue;
        const conf = resolveConf(e.conf);
        const v = conf?.[attr];
        if (conf !== undefined && typeof v === 'string') idx.set(v, { consumer: e.info, conf });
      }
      this.indexes.set(id, idx);
    }
    return idx.get(value);
  }

  /** Build the index for (plugin, attr) now rather than on the first request. */
  warm(plugin: string, attr: string): void {
    this.findByAuth(plugin, attr, '');
  }

  /**
   * Plugins a consumer contributes to a route (group first, consumer over it; auth confs
   * excluded). `null` when its consumer group is missing (APISIX answers 503).
   */
  pluginsFor(consumer: ConsumerInfo): PluginSet | null {
    const s = this.sets.get(consumer);
    if (s !== undefined) return s;
    const known = this.byUser.get(consumer.username);
    return known ? (this.sets.get(known) ?? null) : new Map();
  }
}
