import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { defaultConf } from './defaults.js';
import { substituteEnv } from './env.js';
import { ConfError } from './errors.js';
import { mergeConf } from './merge.js';
import { normalizeConf } from './normalize.js';
import type { PorticoConf } from './types.js';

/** The config file to read: the argument, else env PORTICO_CONF, else conf/config.yaml under cwd. */
export function resolveConfPath(path?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(path ?? env.PORTICO_CONF ?? 'conf/config.yaml');
}

/** Options for {@link loadConf}; the environment is injectable for tests. */
export interface LoadConfOptions {
  env?: NodeJS.ProcessEnv;
}

/**
 * Read conf/config.yaml as APISIX does (apisix/cli/file.lua read_yaml_conf): parse YAML,
 * substitute `${{VAR}}` / `${{VAR:=default}}`, merge over APISIX's defaults, then validate.
 * Throws a ConfError whose message names the file and the key at fault.
 */
export async function loadConf(path?: string, opts: LoadConfOptions = {}): Promise<PorticoConf> {
  const env = opts.env ?? process.env;
  const file = resolveConfPath(path, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfError('conf_unreadable', `cannot read configuration ${file}: ${(e as Error).message}`);
  }
  return parseConf(text, file, env);
}

/** Parse config text (already read from `file`) into a PorticoConf. */
export function parseConf(text: string, file: string, env: NodeJS.ProcessEnv = process.env): PorticoConf {
  let user: unknown;
  try {
    user = parse(text);
  } catch (e) {
    throw new ConfError('conf_parse', `invalid config.yaml file ${file}: ${(e as Error).message}`);
  }
  // An empty file (or only comments) means "all defaults", as in APISIX.
  if (user === null || user === undefined) user = {};
  if (typeof user !== 'object' || Array.isArray(user)) {
    throw new ConfError('conf_parse', `invalid config.yaml file ${file}: the top level must be a mapping`);
  }
  const substituted = substituteEnv(user, env) as Record<string, unknown>;
  const merged = mergeConf(defaultConf(), substituted);
  return normalizeConf(merged, file);
}
