import { ConfError } from './errors.js';

// APISIX apisix/cli/file.lua resolve_conf_var: `${{VAR}}` or `${{VAR:=default}}` inside any
// string value (the `$var`/`${var}` forms are taken by nginx). Spaces around the name and the
// default are trimmed.
const VAR_RE = /\$\{\{\s*(\w+)\s*(?::=\s*(.*?))?\s*\}\}/g;

/**
 * Replace `${{VAR}}` / `${{VAR:=default}}` in every string of a parsed YAML tree.
 * As APISIX does, a string that used a variable and now reads as a number, `true` or `false`
 * becomes that type. An unset variable without default is an error naming it.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, where = ''): unknown {
  if (typeof value === 'string') return substituteString(value, env, where);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, `${where}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, where ? `${where}.${k}` : k);
    return out;
  }
  return value;
}

function substituteString(s: string, env: NodeJS.ProcessEnv, where: string): unknown {
  let used = false;
  const replaced = s.replace(VAR_RE, (_m, name: string, dflt: string | undefined) => {
    const v = env[name] ?? dflt;
    if (v === undefined) {
      throw new ConfError(
        'conf_env',
        `failed to handle configuration: can't find environment variable ${name} (at ${where || 'top level'})`,
      );
    }
    used = true;
    return v;
  });
  if (!used) return s;
  if (replaced.trim() !== '' && Number.isFinite(Number(replaced))) return Number(replaced);
  if (replaced === 'true') return true;
  if (replaced === 'false') return false;
  return replaced;
}

/**
 * Replace `${{VAR}}` / `${{VAR:=default}}` in raw text before it is parsed, so YAML quoting
 * decides the types (apisix/cli/file.lua resolve_conf_var_in_text, used for apisix.yaml).
 */
export function substituteEnvText(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(VAR_RE, (_m, name: string, dflt: string | undefined) => {
    const v = env[name] ?? dflt;
    if (v === undefined)
      throw new ConfError('conf_env', `failed to handle configuration: can't find environment variable ${name}`);
    return v;
  });
}
