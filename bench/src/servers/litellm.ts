import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Procs } from '../lib/procs.js';

/** Repository root (bench/dist/servers → ../../..). */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The venv `bench/litellm/install.sh` creates (BENCH_LITELLM_VENV overrides). */
export const litellmVenv = process.env.BENCH_LITELLM_VENV ?? join(root, '.cache', 'litellm-venv');
const litellmBin = join(litellmVenv, 'bin', 'litellm');

/** Model names the bench sends to LiteLLM: the chat profile and the long stream profile. */
export const LITELLM_MODELS = { chat: 'gpt-4o-mini', long: 'bench-long', held: 'bench-held' } as const;

/** Why LiteLLM cannot run here, or undefined when it can. */
export function litellmMissing(): string | undefined {
  return existsSync(litellmBin) ? undefined : 'not installed: run `bash bench/litellm/install.sh`';
}

/**
 * LiteLLM proxy config: every model is the OpenAI provider with api_base at the mock (the
 * long/held stream profiles under their path prefixes). No master key, no database, no
 * callbacks: the proxy's own request path only.
 */
export function litellmConfig(mockPort: number): string {
  const model = (name: string, prefix: string): string[] => [
    `  - model_name: ${name}`,
    '    litellm_params:',
    '      model: openai/gpt-4o-mini',
    `      api_base: http://127.0.0.1:${mockPort}${prefix}/v1`,
    '      api_key: sk-bench',
  ];
  return [
    'model_list:',
    ...model(LITELLM_MODELS.chat, ''),
    ...model(LITELLM_MODELS.long, '/long'),
    ...model(LITELLM_MODELS.held, '/held'),
    'litellm_settings:',
    '  telemetry: false',
    '  drop_params: true',
    'general_settings:',
    '  disable_spend_logs: true',
    '',
  ].join('\n');
}

/** Python logging dictConfig for uvicorn: warnings and errors only, no line per request. */
const LOG_CONFIG = {
  version: 1,
  disable_existing_loggers: false,
  formatters: { plain: { format: '%(levelname)s %(name)s %(message)s' } },
  handlers: { stderr: { class: 'logging.StreamHandler', formatter: 'plain' } },
  loggers: {
    uvicorn: { handlers: ['stderr'], level: 'WARNING', propagate: false },
    'uvicorn.error': { level: 'WARNING' },
    'uvicorn.access': { handlers: ['stderr'], level: 'WARNING', propagate: false },
  },
};

/** Start LiteLLM's proxy (uvicorn, `workers` processes) on `port`; resolves when it answers. */
export async function startLitellm(procs: Procs, dir: string, port: number, mockPort: number, workers = 1): Promise<number> {
  const cfg = join(dir, 'litellm.yaml');
  writeFileSync(cfg, litellmConfig(mockPort));
  // uvicorn's access log off (Portico runs with its access log off too); warnings still show.
  const logCfg = join(dir, 'litellm-log.json');
  writeFileSync(logCfg, JSON.stringify(LOG_CONFIG));
  const p = await procs.start(
    'litellm',
    litellmBin,
    ['--config', cfg, '--log_config', logCfg, '--host', '127.0.0.1', '--port', String(port), '--num_workers', String(workers)],
    port,
    {
      // No network here: use the model cost map shipped in the package, send no telemetry.
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      LITELLM_LOG: 'ERROR',
      LITELLM_TELEMETRY: 'False',
      PYTHONUNBUFFERED: '1',
    },
    // Importing litellm takes 5-10 s on a quiet machine, much longer on a busy one.
    120_000,
  );
  return p.pid;
}
