// Shared helpers of the deploy tests: repository paths, a YAML parser and a Dockerfile reader.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is deploy/test/support.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Read a repository file as UTF-8. */
export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

// deploy/ is not a workspace package: borrow the `yaml` dependency of @portico/conf (the parser
// Portico itself reads config.yaml with) instead of adding a root dependency.
const requireFromConf = createRequire(join(repoRoot, 'packages', 'conf', 'package.json'));
const yaml = requireFromConf('yaml') as {
  parse(text: string, opts?: { merge?: boolean }): unknown;
  parseAllDocuments(text: string): Array<{ toJS(): unknown; errors: unknown[] }>;
};

/** Parse one YAML document; `<<` merge keys are applied (compose files use them). */
export function parseYaml(text: string): unknown {
  return yaml.parse(text, { merge: true });
}

/** Parse a multi-document YAML stream, failing on any document error. */
export function parseYamlStream(text: string): unknown[] {
  return yaml.parseAllDocuments(text).map((d) => {
    if (d.errors.length > 0) throw new Error(String(d.errors[0]));
    return d.toJS();
  });
}

/** One Dockerfile instruction, with continuation lines joined. */
export interface DockerInstruction {
  /** Index of the FROM stage it belongs to (-1 before the first FROM). */
  stage: number;
  keyword: string;
  args: string;
}

/** Split a Dockerfile into instructions (comments and blank lines dropped, `\` lines joined). */
export function parseDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (!m) continue;
    const keyword = (m[1] ?? '').toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ stage, keyword, args: m[2] ?? '' });
  }
  return out;
}

/** `a.b.c` lookup in a parsed YAML tree; undefined when any step is missing. */
export function getPath(tree: unknown, path: string): unknown {
  let cur: unknown = tree;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Seconds of a duration written as `20s`, `4m` or a bare number of seconds. */
export function durationSeconds(v: unknown): number {
  const m = /^(\d+)(s|m)?$/.exec(String(v));
  if (!m) throw new Error(`not a duration: ${String(v)}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}
