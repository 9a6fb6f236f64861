import type { Reply } from '@portico/plugin-sdk';
import type { JsonObject } from '@portico/providers';
import type { AiRequest } from '../ai-shared/types.js';
import type { ModelRoutingConf } from './extensions-schema.js';
import type { MultiInstanceConf } from './schema.js';

/** One instance's model matcher, compiled in prepare. */
interface InstanceModels {
  name: string;
  provider: string;
  exact: ReadonlySet<string>;
  patterns: readonly RegExp[];
}

/** One step of a request's model plan: the model to ask for and the instances serving it. */
export interface ModelStep {
  model: string;
  candidates: ReadonlySet<string>;
  /** Every other instance (what picking skips for this step); undefined when none. */
  others: ReadonlySet<string> | undefined;
  /** The request as sent for this step (model set, `models` removed). */
  request: AiRequest;
}

function globToRegExp(glob: string): RegExp {
  const src = glob
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${src}$`, 's');
}

/** Distinct (provider, model) answers kept per conf; the cache is dropped when it is full. */
const CACHE_SIZE = 1024;

interface Served {
  candidates: ReadonlySet<string>;
  others: ReadonlySet<string> | undefined;
}

/** Compiled matchers of every instance (prepare time), with the answers cached per model. */
export class ModelRouter {
  private readonly instances: InstanceModels[];
  private readonly cache = new Map<string, Served>();

  constructor(
    readonly conf: ModelRoutingConf,
    instances: readonly MultiInstanceConf[],
  ) {
    this.instances = instances.map((i) => {
      const own = typeof i.options?.model === 'string' ? [i.options.model] : ['*'];
      const names = i.models ?? own;
      return {
        name: i.name,
        provider: i.provider,
        exact: new Set(names.filter((n) => !n.includes('*'))),
        patterns: names.filter((n) => n.includes('*')).map(globToRegExp),
      };
    });
  }

  /** Names of the instances serving `model` (exact names and aliases first, then wildcards), in conf order. */
  serving(model: string, provider?: string): Set<string> {
    const out = new Set<string>();
    for (const i of this.instances) {
      if (provider !== undefined && i.provider !== provider) continue;
      if (i.exact.has(model) || i.patterns.some((p) => p.test(model))) out.add(i.name);
    }
    return out;
  }

  /** `serving` plus its complement, cached (model names repeat across requests). */
  private served(model: string, provider: string | undefined): Served {
    const key = provider === undefined ? model : `${provider}\u0000${model}`;
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const candidates = this.serving(model, provider);
      const others = new Set(this.instances.map((i) => i.name).filter((n) => !candidates.has(n)));
      hit = { candidates, others: others.size > 0 ? others : undefined };
      if (this.cache.size >= CACHE_SIZE) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }

  /**
   * The ordered plan for a validated request: the client's `models` list (when allowed) or its
   * `model`; entries no instance serves are skipped. Returns a 400 Reply for a malformed
   * `models` list or (on_no_match: reject) when no entry is served; undefined when the
   * request names no model (routing does not apply).
   */
  plan(req: AiRequest): ModelStep[] | Reply | undefined {
    // (`aliases` of the conf expand a requested name into its ordered models first.)
    const body = req.body;
    const wanted: { model: string; provider?: string }[] = [];
    const clientList = this.conf.allow_client_models ? body.models : undefined;
    if (clientList !== undefined) {
      if (!Array.isArray(clientList) || clientList.length === 0) return badModels();
      for (const e of clientList) {
        if (typeof e === 'string' && e !== '') wanted.push({ model: e });
        else if (e !== null && typeof e === 'object' && !Array.isArray(e) && typeof (e as JsonObject).model === 'string') {
          const o = e as JsonObject;
          if (o.provider !== undefined && typeof o.provider !== 'string') return badModels();
          wanted.push({ model: o.model as string, ...(typeof o.provider === 'string' ? { provider: o.provider } : {}) });
        } else return badModels();
      }
    } else if (typeof body.model === 'string') wanted.push({ model: body.model });
    else return undefined;
    const aliases = this.conf.aliases;
    if (aliases !== undefined) {
      // One level of expansion: an alias stands for its ordered models (the provider stays).
      const expanded: typeof wanted = [];
      for (const w of wanted) {
        const list = Object.hasOwn(aliases, w.model) ? aliases[w.model] : undefined;
        if (list) for (const m of list) expanded.push({ ...w, model: m });
        else expanded.push(w);
      }
      wanted.splice(0, wanted.length, ...expanded);
    }

    const steps: ModelStep[] = [];
    for (const w of wanted) {
      const { candidates, others } = this.served(w.model, w.provider);
      if (candidates.size > 0) {
        steps.push({ model: w.model, candidates, others, request: requestFor(req, w.model, clientList !== undefined) });
      }
    }
    if (steps.length > 0) return steps;
    const names = wanted.map((w) => w.model).join(', ');
    if (this.conf.on_no_match === 'reject') {
      return { status: 400, body: { message: `no ai instance serves the requested model: ${names}` } };
    }
    const all = new Set(this.instances.map((i) => i.name));
    const first = wanted[0]!.model;
    return [{ model: first, candidates: all, others: undefined, request: requestFor(req, first, clientList !== undefined) }];
  }
}

const badModels = (): Reply => ({
  status: 400,
  body: { message: '`models` must be a non-empty array of model names or {"provider", "model"} objects' },
});

/** The request with `model` set and the client's `models` list removed (unchanged when neither differs). */
function requestFor(req: AiRequest, model: string, dropModels: boolean): AiRequest {
  if (!dropModels && req.body.model === model) return req;
  const body: JsonObject = { ...req.body, model };
  delete body.models;
  return { body, clientStream: req.clientStream };
}
