import type { AttachedPlugin, PluginModule, PrepareEnv } from '@portico/plugin-sdk';
import type { CompiledExpr } from '../router/expr.js';

/** One plugin instance of one resource, validated and prepared once per config revision. */
export interface PreparedPlugin extends AttachedPlugin {
  readonly name: string;
  /** `_meta.priority` when set, else the module's priority. */
  readonly priority: number;
  /** `_meta.disable: true`: kept for merging (it still overrides), never run. */
  readonly disabled: boolean;
  /** `_meta.error_response`: replaces the body of replies with status >= 400. */
  readonly errorResponse: unknown;
  /** `_meta.filter`: the plugin runs only when this expression holds. */
  readonly filter: CompiledExpr | undefined;
  readonly scope: PrepareEnv['scope'];
  readonly module: PluginModule;
  /** Whether `module.prepare` made `state` (then `module.destroy` releases it). */
  readonly prepared: boolean;
}

/** Plugins by name, one resource or a merge of several. */
export type PluginSet = ReadonlyMap<string, PreparedPlugin>;

const NO_PLUGINS: PluginSet = new Map();

/**
 * `base` with `over` layered on top: same-named plugins of `over` win (apisix/plugin.lua
 * merges). Returns an input unchanged when the other side is empty (sets are immutable).
 */
export function layer(base: PluginSet | undefined, over: PluginSet | undefined): PluginSet {
  if (!over || over.size === 0) return base ?? NO_PLUGINS;
  if (!base || base.size === 0) return over;
  const out = new Map(base);
  for (const [n, p] of over) out.set(n, p);
  return out;
}

/** `base` plus the plugins of `extra` whose name `base` lacks (plugin_config: route wins). */
export function fillMissing(base: PluginSet | undefined, extra: PluginSet | undefined): PluginSet {
  if (!extra || extra.size === 0) return base ?? NO_PLUGINS;
  if (!base || base.size === 0) return extra;
  const out = new Map(base);
  for (const [n, p] of extra) if (!out.has(n)) out.set(n, p);
  return out;
}

function byPriority(a: PreparedPlugin, b: PreparedPlugin): number {
  return b.priority - a.priority;
}

type Hook = 'rewrite' | 'access' | 'beforeProxy' | 'headerFilter' | 'bodyFilter' | 'log';

/** The result of merging a consumer's plugins into a route chain. */
export interface ConsumerMerge {
  chain: Chain;
  /** Plugins the consumer added (not on the route), whose rewrite must still run. */
  addedRewrite: readonly PreparedPlugin[];
}

/**
 * A merged plugin set with per-phase lists sorted by priority (higher first), computed
 * once per snapshot so a request only walks arrays.
 */
export class Chain {
  /** Enabled plugins by name (ctx.plugins). */
  readonly byName: ReadonlyMap<string, PreparedPlugin>;
  readonly rewrite: readonly PreparedPlugin[];
  readonly access: readonly PreparedPlugin[];
  readonly beforeProxy: readonly PreparedPlugin[];
  readonly headerFilter: readonly PreparedPlugin[];
  readonly bodyFilter: readonly PreparedPlugin[];
  readonly log: readonly PreparedPlugin[];
  private readonly consumerMerges = new WeakMap<object, ConsumerMerge>();

  /** @param source every merged plugin, disabled ones included (they still shadow). */
  constructor(readonly source: PluginSet) {
    const enabled = [...source.values()].filter((p) => !p.disabled).sort(byPriority);
    this.byName = new Map(enabled.map((p) => [p.name, p]));
    const having = (h: Hook): PreparedPlugin[] => enabled.filter((p) => typeof p.module[h] === 'function');
    this.rewrite = having('rewrite');
    this.access = having('access');
    this.beforeProxy = having('beforeProxy');
    this.headerFilter = having('headerFilter');
    this.bodyFilter = having('bodyFilter');
    this.log = having('log');
  }

  private static readonly bySet = new WeakMap<PluginSet, Chain>();

  /** The chain of a plugin set, shared by every route whose merge yields the same set object. */
  static of(set: PluginSet): Chain {
    let c = Chain.bySet.get(set);
    if (c === undefined) {
      c = new Chain(set);
      Chain.bySet.set(set, c);
    }
    return c;
  }

  /**
   * Consumer-group then consumer plugins override same-named route plugins
   * (apisix/plugin.lua merge_consumer_route). Cached per consumer plugin set, which lives
   * as long as its snapshot.
   */
  withConsumer(consumerPlugins: PluginSet): ConsumerMerge {
    let m = this.consumerMerges.get(consumerPlugins);
    if (m === undefined) {
      if (consumerPlugins.size === 0) m = { chain: this, addedRewrite: [] };
      else {
        const chain = new Chain(layer(this.source, consumerPlugins));
        const addedRewrite = chain.rewrite.filter((p) => !this.source.has(p.name) && p.module.type !== 'auth');
        m = { chain, addedRewrite };
      }
      this.consumerMerges.set(consumerPlugins, m);
    }
    return m;
  }
}
