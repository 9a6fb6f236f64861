/**
 * A write's checks (apisix/admin/<kind>.lua check_conf), run in the order the kind's
 * descriptor lists them. Throws AdminError with APISIX's message for the first failure.
 */
import { checkPluginConf, checkVars, type CheckStep, type ResourceKind } from '@portico/schemas';
import { checkPluginsOf, checkSchema, checkUpstreamConf } from '../checks.js';
import type { AdminContext } from '../context.js';
import { findDuplicateKey } from '../duplicate-keys.js';
import { fail } from '../errors.js';
import { checkPluginsUniqueAcrossKind, checkReferences } from './references.js';
import { checkSecret } from './secret-check.js';
import { checkSsl } from './ssl-check.js';

type Conf = Record<string, unknown>;
type Id = string | number | undefined;

interface Run {
  ctx: AdminContext;
  kind: ResourceKind;
  conf: Conf;
  /** URL id, then the identity once the `identity` step ran. */
  id: Id;
  /** Id of the parent object of a child kind ('' otherwise). */
  parentId: string;
}

function exclusive(r: Run): void {
  for (const [a, b] of r.kind.exclusive ?? []) {
    if (r.conf[a] !== undefined && r.conf[b] !== undefined) throw fail(`only one of ${a} or ${b} is allowed`);
  }
}

function identity(r: Run): void {
  const policy = r.kind.id;
  if (policy.kind === 'field') {
    if (r.id !== undefined && r.id !== r.conf[policy.field]) throw fail(`wrong ${policy.field}`);
    r.id = r.conf[policy.field] as string;
  } else if (policy.kind === 'name') {
    if (r.id === undefined) throw fail(policy.missing);
    r.id = String(r.id);
  }
}

async function plugins(r: Run): Promise<void> {
  const spec = r.kind.plugins;
  const map = r.conf.plugins;
  if (!spec || map === undefined) return;
  checkPluginsOf(r.ctx, map, spec.schemaType, spec.errorPrefix);
  const names = Object.keys(map as object);
  if (spec.authOnly) {
    for (const name of names) {
      const def = r.ctx.plugin(name);
      if (!def) throw fail(`unknown plugin ${name}`);
      if (def.type !== 'auth') throw fail(`only supports auth type plugins in consumer ${r.kind.word}`);
    }
  }
  if (spec.uniqueAuthKeys) {
    // The owner is the consumer: the parent of a child object (credential), else the object itself.
    const child = r.kind.key.kind === 'child';
    const dup = await findDuplicateKey(r.ctx, map, child ? r.parentId : String(r.id), child ? String(r.id) : undefined);
    if (dup !== undefined) throw fail(dup);
  }
  if (spec.uniqueAcrossKind) await checkPluginsUniqueAcrossKind(r.ctx, r.kind, r.id, map as Conf);
}

function vars(r: Run): void {
  if (r.conf.vars === undefined) return;
  const err = checkVars(r.conf.vars);
  if (err !== undefined) throw fail(err);
}

function metadata(r: Run): void {
  const def = r.ctx.plugin(String(r.id));
  if (!def) throw fail('invalid plugin name');
  const err = checkPluginConf(def, r.conf, 'metadata');
  if (err !== undefined) throw fail(`invalid configuration: ${err}`);
}

const STEPS: Readonly<Record<CheckStep, (r: Run) => void | Promise<void>>> = {
  exclusive,
  schema: (r) => checkSchema(r.kind.schema, r.conf),
  upstream: (r) => checkUpstreamConf(r.kind.upstream === 'self' ? r.conf : r.conf.upstream),
  identity,
  plugins,
  references: (r) => checkReferences(r.ctx, r.kind, r.conf),
  vars,
  metadata,
  ssl: (r) => checkSsl(r.conf, r.ctx.keyring),
  secret: (r) => checkSecret(r.id, r.conf),
};

/**
 * Check a deep copy of a conf (defaults may be written into it). Returns the identity to store
 * under: the id, or for kinds identified otherwise the username / plugin name.
 */
export async function checkResource(
  ctx: AdminContext,
  kind: ResourceKind,
  id: Id,
  conf: Conf,
  parentId: string,
  opts: { skipReferences?: boolean } = {},
): Promise<Id> {
  const run: Run = { ctx, kind, conf, id, parentId };
  for (const step of kind.checks) {
    // Validating a whole configuration (configs/validate, standalone): references are not looked up.
    if (opts.skipReferences && step === 'references') continue;
    await STEPS[step](run);
  }
  return run.id;
}
