import { buildArray, buildNumber, buildString } from './keywords.js';
import { deepEqual, isSecretRef, luaType, tableKind } from './lua.js';

/**
 * A JSON-schema validator with api7/jsonschema semantics (the library behind APISIX
 * `core.schema.check`): same keyword order, same first-error wording, defaults applied in
 * place wherever a `properties` keyword is evaluated (also inside anyOf/oneOf/if branches,
 * as the Lua library does), Lua table semantics (an empty array is also an empty object).
 *
 * Why not ajv: ajv evaluates combinators (anyOf/oneOf/not/enum) before `properties`, so the
 * first reported error differs from APISIX whenever a config has more than one problem, and it
 * skips defaults inside combinators. Both are visible to clients of the Admin API.
 */

export type Schema = Record<string, unknown>;
/** Returns the error message, or undefined when the value is valid. */
export type Validator = (value: unknown) => string | undefined;

const cache = new WeakMap<object, Validator>();

/** Compile a schema once (cached by object identity) into a validator returning APISIX's first error. */
export function compileSchema(schema: object | boolean): Validator {
  if (typeof schema === 'boolean') return schema ? () => undefined : () => 'expect false always';
  let v = cache.get(schema);
  if (!v) {
    v = build(schema as Schema);
    cache.set(schema, v);
  }
  return v;
}

const FORMATS: Record<string, RegExp> = {
  email: /^([A-Za-z0-9_\-.])+@([A-Za-z0-9_\-.])+\.([A-Za-z]{2,4})$/,
  ipv4: /^(((\d{1,2})|(1\d{2})|(2[0-4]\d)|(25[0-5]))\.){3}((\d{1,2})|(1\d{2})|(2[0-4]\d)|(25[0-5]))$/,
  hostname: /^[a-zA-Z0-9\-.]+$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+\-.]*:[^\s]*$/,
};

function isIpv6(s: string): boolean {
  // Node's own parser is stricter than a regex and close to ngx's inet_pton.
  return /^[0-9a-fA-F:.]+(%.+)?$/.test(s.trim()) && s.includes(':') && ipv6Ok(s.trim().replace(/%.+$/, ''));
}
function ipv6Ok(s: string): boolean {
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

/** PCRE-ish pattern → JS RegExp (ngx.re.find semantics: unanchored search). */
export function toRegExp(pattern: string): RegExp {
  return new RegExp(pattern);
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && tableKind(v) <= 1;
    case 'array':
      return typeof v === 'object' && v !== null && tableKind(v) >= 1;
    case 'table':
      return typeof v === 'object' && v !== null;
    case 'integer':
      return typeof v === 'number' && v % 1 === 0;
    case 'string':
    case 'boolean':
    case 'number':
      return typeof v === t;
    case 'null':
      return v === null;
    default:
      throw new Error(`invalid JSON type: ${t}`);
  }
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function cloneDefault(d: unknown): unknown {
  return typeof d === 'object' && d !== null ? structuredClone(d) : d;
}

function build(schema: Schema): Validator {
  const checks: Validator[] = [];
  const type = schema.type;
  const stringOnly = type === 'string';

  if (typeof type === 'string') {
    checks.push((v) => (typeMatches(type, v) ? undefined : `wrong type: expected ${type}, got ${luaType(v)}`));
  } else if (Array.isArray(type)) {
    const ts = type as string[];
    checks.push((v) =>
      ts.some((t) => typeMatches(t, v)) ? undefined : `wrong type: expected one of ${ts.join(', ')}, got ${luaType(v)}`,
    );
  }

  if (
    schema.properties ||
    schema.additionalProperties !== undefined ||
    schema.patternProperties ||
    schema.minProperties !== undefined ||
    schema.maxProperties !== undefined ||
    schema.dependencies ||
    schema.required
  ) {
    checks.push(buildObject(schema));
  }
  if (schema.items !== undefined || schema.minItems !== undefined || schema.maxItems !== undefined || schema.uniqueItems) {
    checks.push(buildArray(schema));
  }
  if (schema.minLength !== undefined || schema.maxLength !== undefined || schema.pattern !== undefined) {
    checks.push(buildString(schema));
  }
  if (
    schema.minimum !== undefined ||
    schema.maximum !== undefined ||
    schema.multipleOf !== undefined ||
    schema.exclusiveMinimum !== undefined ||
    schema.exclusiveMaximum !== undefined
  ) {
    checks.push(buildNumber(schema));
  }
  if (Array.isArray(schema.enum)) {
    const vals = schema.enum as unknown[];
    checks.push((v) => (vals.some((e) => deepEqual(e, v)) ? undefined : 'matches none of the enum values'));
  }
  checks.push(...buildCompound(schema));
  if (typeof schema.format === 'string') {
    const f = schema.format;
    const re = FORMATS[f];
    const test = f === 'ipv6' ? isIpv6 : re ? (s: string) => re.test(s) : undefined;
    if (test) checks.push((v) => (typeof v === 'string' && !test(v) ? `expect valid ${f} format but got: ${v}` : undefined));
  }
  if (schema.const !== undefined) {
    const c = schema.const;
    checks.push((v) => (deepEqual(v, c) ? undefined : 'failed to check const value'));
  }
  if (schema.contains !== undefined && typeof schema.contains === 'object' && schema.contains !== null) {
    // jsonschema `contains` (object schemas only; ai-cache `layers` uses it): an empty table
    // fails, and so does an array none of whose items matches.
    const sub = compileSchema(schema.contains as Schema);
    checks.push((v) => {
      if (!isTable(v)) return undefined;
      if (tableKind(v) === 1) return 'check contains: empty array is invalid';
      if (!Array.isArray(v)) return undefined;
      return v.length > 0 && v.every((x) => sub(x) !== undefined) ? 'failed to check contains' : undefined;
    });
  }

  return (v) => {
    // apisix/core/schema.lua: string fields holding a secret reference skip validation.
    if (stringOnly && isSecretRef(v)) return undefined;
    for (const c of checks) {
      const err = c(v);
      if (err !== undefined) return err;
    }
    return undefined;
  };
}

function buildObject(schema: Schema): Validator {
  const props = (schema.properties ?? {}) as Record<string, Schema | boolean>;
  const required = new Set((schema.required ?? []) as string[]);
  const deps = (schema.dependencies ?? {}) as Record<string, string[] | Schema>;
  const propList = Object.entries(props).map(([name, sub]) => {
    const dep = deps[name];
    const wasRequired = required.delete(name);
    const d = typeof sub === 'object' ? sub.default : undefined;
    return {
      name,
      check: compileSchema(sub),
      required: wasRequired,
      depList: Array.isArray(dep) ? dep : undefined,
      depCheck: dep && !Array.isArray(dep) ? compileSchema(dep) : undefined,
      hasDefault: d !== undefined && d !== null,
      def: d,
    };
  });
  const restRequired = [...required];
  const restDeps = Object.entries(deps)
    .filter(([p]) => !(p in props))
    .map(([p, d]) => ({ p, list: Array.isArray(d) ? d : undefined, check: Array.isArray(d) ? undefined : compileSchema(d) }));
  const addl = schema.additionalProperties;
  const propset = addl !== undefined && addl !== true ? new Set(Object.keys(props)) : undefined;
  const addlCheck = typeof addl === 'object' && addl !== null ? compileSchema(addl) : undefined;
  const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>).map(([p, s]) => ({
    p,
    re: toRegExp(p),
    check: compileSchema(s),
  }));
  const minP = schema.minProperties as number | undefined;
  const maxP = schema.maxProperties as number | undefined;
  const emptyRequired = Array.isArray(schema.required) && schema.required.length === 0;

  return (v) => {
    if (isTable(v) && tableKind(v) <= 1) {
      const obj = v;
      const own = (k: string) => (Object.hasOwn(obj, k) ? obj[k] : undefined);
      for (const p of propList) {
        const pv = own(p.name);
        if (pv !== undefined) {
          const err = p.check(pv);
          if (err !== undefined) return `property "${p.name}" validation failed: ${err}`;
          if (p.depList) {
            for (const dp of p.depList) if (own(dp) === undefined) return `property "${dp}" is required when "${p.name}" is set`;
          } else if (p.depCheck) {
            const derr = p.depCheck(obj);
            if (derr !== undefined) return `failed to validate dependent schema for "${p.name}": ${derr}`;
          }
        } else {
          if (p.required) return `property "${p.name}" is required`;
          if (p.hasDefault && !Array.isArray(obj)) obj[p.name] = cloneDefault(p.def);
        }
      }
      for (const r of restRequired) if (own(r) === undefined) return `property "${r}" is required`;
      for (const d of restDeps) {
        if (own(d.p) === undefined) continue;
        if (d.list) {
          for (const dp of d.list) if (own(dp) === undefined) return `property "${dp}" is required when "${d.p}" is set`;
        } else if (d.check) {
          const derr = d.check(obj);
          if (derr !== undefined) return `failed to validate dependent schema for "${d.p}": ${derr}`;
        }
      }
      if (patterns.length || propset || minP !== undefined || maxP !== undefined) {
        let count = 0;
        for (const k of Object.keys(obj)) {
          count++;
          let matched = false;
          for (const pt of patterns) {
            if (pt.re.test(k)) {
              const err = pt.check(obj[k]);
              if (err !== undefined) return `failed to validate ${k} (matching "${pt.p}"): ${err}`;
              matched = true;
            }
          }
          if (propset && !propset.has(k) && !matched) {
            if (!addlCheck) return `additional properties forbidden, found ${k}`;
            const err = addlCheck(obj[k]);
            if (err !== undefined) return `failed to validate additional property ${k}: ${err}`;
          }
        }
        if (minP !== undefined && count < minP) return `expect object to have at least ${minP} properties`;
        if (maxP !== undefined && count > maxP) return `expect object to have at most ${maxP} properties`;
      }
    }
    if (emptyRequired && !(isTable(v) && tableKind(v) === 1)) return 'the input data should be an empty table';
    return undefined;
  };
}

function buildCompound(schema: Schema): Validator[] {
  const out: Validator[] = [];
  if (Array.isArray(schema.allOf)) {
    const subs = (schema.allOf as Schema[]).map((s) => compileSchema(s));
    out.push((v) => {
      for (let i = 0; i < subs.length; i++) {
        const err = subs[i]!(v);
        if (err !== undefined) return `allOf ${i + 1} failed: ${err}`;
      }
      return undefined;
    });
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as Schema[];
    const subs = branches.map((s) => compileSchema(s));
    const requires = branches.filter((b) => isTable(b) && Array.isArray(b.required)).map((b) => JSON.stringify(b.required));
    const msg = 'object matches none of the required' + (requires.length ? `: ${requires.join(' or ')}` : '');
    out.push((v) => (subs.some((s) => s(v) === undefined) ? undefined : msg));
  }
  if (Array.isArray(schema.oneOf)) {
    const subs = (schema.oneOf as Schema[]).map((s) => compileSchema(s));
    out.push((v) => {
      let matched = 0;
      for (let i = 0; i < subs.length; i++) {
        if (subs[i]!(v) === undefined) {
          if (matched) return `value should match only one schema, but matches both schemas ${matched} and ${i + 1}`;
          matched = i + 1;
        }
      }
      return matched ? undefined : 'value should match only one schema, but matches none';
    });
  }
  if (schema.if !== undefined) {
    const cond = compileSchema(schema.if as Schema);
    const then = schema.then !== undefined ? compileSchema(schema.then as Schema) : undefined;
    const els = schema.else !== undefined ? compileSchema(schema.else as Schema) : undefined;
    out.push((v) => {
      const matched = cond(v) === undefined;
      if (matched && then && then(v) !== undefined) return 'then clause did not match';
      if (!matched && els && els(v) !== undefined) return 'else clause did not match';
      return undefined;
    });
  }
  if (schema.not !== undefined) {
    const not = compileSchema(schema.not as Schema);
    out.push((v) => (not(v) === undefined ? "value wasn't supposed to match schema" : undefined));
  }
  return out;
}
