import type { Logger, PluginModule, PluginServices, PrepareEnv, SchemaType } from '@portico/plugin-sdk';
import { checkPluginConf, decryptFields } from '@portico/schemas';
import type { PluginSet, PreparedPlugin } from '../chain/chain.js';
import { SecretPendingError, type SecretRefs } from '../secrets/secret-refs.js';
import { compileExpr, type CompiledExpr } from '../router/expr.js';

/** Validates a plugin conf in place (defaults applied); returns APISIX's error text. */
export type ConfChecker = typeof checkPluginConf;

/** A plugin conf the data plane refuses; the item holding it is skipped. */
export class PluginConfError extends Error {
  readonly code = 'invalid_plugin_conf';
}

interface Entry {
  modRevision: number;
  set: Map<string, PreparedPlugin>;
  /** SecretRefs generation the confs were resolved at, when they hold references. */
  secretGeneration?: number;
}

export interface PreparerOptions {
  plugins: ReadonlyMap<string, PluginModule>;
  services: PluginServices;
  /** Keyring for `encrypt_fields` (empty when data encryption is off). */
  keyring: readonly string[];
  check?: ConfChecker;
  /** Resolves `$secret://` / `$env://` references in confs (without it, references stay as written). */
  secrets?: SecretRefs;
}

/**
 * Turns a resource's `plugins` object into prepared plugins: decrypt `encrypt_fields`, check
 * the conf (apisix/plugin.lua check_schema; defaults applied), then `module.prepare`. Results
 * are cached per resource key and reused while its modRevision is unchanged; states no live
 * item uses any more are destroyed by `sweep`.
 */
export class PluginPreparer {
  private readonly cache = new Map<string, Entry>();
  private retired: Entry[] = [];
  private readonly check: ConfChecker;

  constructor(private readonly opts: PreparerOptions) {
    this.check = opts.check ?? checkPluginConf;
  }

  get logger(): Logger {
    return this.opts.services.logger;
  }

  private secretUse = false;

  /**
   * Whether the confs of the last `prepare` that built anything held secret references
   * (resolved or still pending); reading it resets it. The sync keeps such objects to prepare
   * them again when the values change.
   */
  takeSecretUse(): boolean {
    const v = this.secretUse;
    this.secretUse = false;
    return v;
  }

  /** Prepared plugins of one resource; throws PluginConfError when a conf is invalid. */
  prepare(resourceKey: string, modRevision: number, scope: PrepareEnv['scope'], confs: unknown): PluginSet {
    const hit = this.cache.get(resourceKey);
    const gen = this.opts.secrets?.generation;
    const fresh = hit && hit.modRevision === modRevision && (hit.secretGeneration === undefined || hit.secretGeneration === gen);
    if (fresh) {
      this.secretUse = hit.secretGeneration !== undefined;
      return hit.set;
    }
    const used = { secrets: false };
    this.secretUse = false;
    const set = this.build(resourceKey, scope, confs, used);
    if (hit) this.retired.push(hit);
    this.cache.set(
      resourceKey,
      used.secrets && gen !== undefined ? { modRevision, set, secretGeneration: gen } : { modRevision, set },
    );
    return set;
  }

  /**
   * Validate a `plugin_metadata/<name>` value in place (apisix/plugin.lua check_plugin_metadata):
   * decrypt its `encrypt_fields`, check it against the plugin's `metadataSchema` (defaults
   * applied), then deep-freeze it so plugins can key caches on it. Metadata of a plugin this
   * node does not know is kept unchecked, as APISIX skips it. Throws PluginConfError.
   */
  checkMetadata(name: string, value: Record<string, unknown>): void {
    const module = this.opts.plugins.get(name);
    if (module) {
      // The admin encrypts metadata fields only for plugins with a metadata schema (plugin_metadata.lua).
      if (module.metadataSchema && module.encryptFields?.length && this.opts.keyring.length) {
        decryptFields(value, module.encryptFields, this.opts.keyring);
      }
      const err = this.check(module, value, 'metadata');
      if (err !== undefined) throw new PluginConfError(`failed to check the metadata of plugin ${name} err: ${err}`);
    }
    deepFreeze(value);
  }

  /**
   * Drop states of resources that are gone or were replaced (`isLive` tells current ones) from
   * the cache. Returns the function that destroys them; the caller runs it once no request can
   * still use them (see Inflight).
   */
  sweep(isLive: (resourceKey: string, modRevision: number) => boolean): () => void {
    for (const [key, e] of this.cache) {
      if (!isLive(key, e.modRevision)) {
        this.cache.delete(key);
        this.retired.push(e);
      }
    }
    const dead = this.retired;
    this.retired = [];
    return () => {
      for (const e of dead) this.destroySet(e.set);
    };
  }

  private build(
    resourceKey: string,
    scope: PrepareEnv['scope'],
    confs: unknown,
    used: { secrets: boolean },
  ): Map<string, PreparedPlugin> {
    const out = new Map<string, PreparedPlugin>();
    if (confs === undefined || confs === null) return out;
    if (typeof confs !== 'object' || Array.isArray(confs)) throw new PluginConfError('invalid plugins: should be an object');
    const isConsumer = scope === 'consumer';
    const schemaType: SchemaType = isConsumer ? 'consumer' : 'route';
    try {
      for (const [name, raw] of Object.entries(confs as Record<string, unknown>)) {
        const module = this.opts.plugins.get(name);
        if (!module) throw new PluginConfError(`unknown plugin [${name}]`);
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          throw new PluginConfError(`invalid plugin conf ${JSON.stringify(raw)} for plugin [${name}]`);
        }
        let conf = structuredClone(raw) as Record<string, unknown>;
        if (module.encryptFields?.length && this.opts.keyring.length) {
          decryptFields(conf, module.encryptFields, this.opts.keyring);
        }
        if (this.opts.secrets) {
          // Set before substitute: a reference still pending throws, and counts as a use.
          this.secretUse = true;
          const resolved = this.opts.secrets.substitute(conf);
          this.secretUse = used.secrets || resolved !== conf;
          if (resolved !== conf) used.secrets = true;
          conf = resolved;
        }
        const meta = (conf._meta ?? {}) as Record<string, unknown>;
        const disabled = meta.disable === true;
        const err = this.check(module, conf, schemaType);
        if (err !== undefined && !disabled) {
          throw new PluginConfError(`failed to check the configuration of plugin ${name} err: ${err}`);
        }
        let filter: CompiledExpr | undefined;
        if (meta.filter !== undefined) {
          try {
            filter = compileExpr(meta.filter);
          } catch (e) {
            throw new PluginConfError(`failed to validate the 'vars' expression: ${(e as Error).message}`);
          }
        }
        // Auth confs on consumers are credentials (looked up by the auth plugin), never run.
        const runnable = !disabled && !(isConsumer && module.type === 'auth');
        const env: PrepareEnv = { resourceKey, scope, services: this.opts.services };
        const prepared = runnable && typeof module.prepare === 'function';
        const state = prepared ? module.prepare!(conf, env) : conf;
        out.set(name, {
          name,
          module,
          conf,
          state,
          resourceKey,
          scope,
          disabled,
          priority: typeof meta.priority === 'number' ? meta.priority : module.priority,
          errorResponse: meta.error_response,
          filter,
          prepared,
        });
      }
    } catch (e) {
      this.destroySet(out);
      if (e instanceof PluginConfError) throw e;
      if (e instanceof SecretPendingError) throw new PluginConfError(e.message);
      throw new PluginConfError(`failed to prepare plugins: ${(e as Error).message}`);
    }
    return out;
  }

  private destroySet(set: ReadonlyMap<string, PreparedPlugin>): void {
    for (const p of set.values()) {
      if (!p.prepared || !p.module.destroy) continue;
      try {
        p.module.destroy(p.state);
      } catch (e) {
        this.logger.error({ err: (e as Error).message, plugin: p.name, key: p.resourceKey }, 'plugin destroy failed');
      }
    }
  }
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const child of Object.values(v)) deepFreeze(child);
}
