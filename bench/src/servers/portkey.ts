import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Procs } from '../lib/procs.js';

/** Portkey's gateway entry inside bench/portkey (installed apart from the workspace). */
export const portkeyEntry = fileURLToPath(
  new URL('../../portkey/node_modules/@portkey-ai/gateway/build/start-server.js', import.meta.url),
);

/** Why Portkey cannot run here, or undefined when it can. */
export function portkeyMissing(): string | undefined {
  return existsSync(portkeyEntry) ? undefined : 'not installed: run `npm ci --ignore-scripts` in bench/portkey';
}

/** Headers that point Portkey at the mock as an OpenAI provider. */
export function portkeyHeaders(mockPort: number, path = '/v1'): Record<string, string> {
  return {
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `http://127.0.0.1:${mockPort}${path}`,
    authorization: 'Bearer sk-bench',
  };
}

/** Start Portkey's gateway on `port` (headless, production mode: no per-request console log). */
export async function startPortkey(procs: Procs, port: number): Promise<number> {
  const p = await procs.start('portkey', process.execPath, [portkeyEntry, `--port=${port}`, '--headless'], port, {
    NODE_ENV: 'production',
  });
  return p.pid;
}
