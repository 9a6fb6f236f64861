import type { PluginDefinition } from '@portico/plugin-sdk';
import { checkBedrockConf } from '@portico/providers/bedrock-check';
import { cjsonDecodeError } from '../ai-shared/cjson-error.js';
import { aiSharedSchemas as s } from '../ai-shared/schema.js';
import type { AiInstanceConf, LoggingConf, TransportConf } from '../ai-shared/types.js';

/** ai-proxy conf after schema defaults. */
export interface AiProxyConf extends AiInstanceConf, TransportConf {
  logging?: LoggingConf;
  /** Schema default 64 MiB. */
  max_req_body_size?: number;
}

/**
 * `_M.ai_proxy_schema` of apisix/plugins/ai-proxy/schema.lua (3.16). provider_conf is not
 * declared there but accepted (no additionalProperties: false), which vertex-ai relies on.
 */
export const aiProxySchema = {
  type: 'object',
  properties: {
    provider: s.provider,
    auth: s.auth,
    options: s.options,
    logging: s.logging,
    ...s.transportProperties,
    max_req_body_size: s.maxReqBodySize,
    override: s.override,
    provider_conf: s.providerConf,
  },
  required: ['provider', 'auth'],
};

/**
 * The tail of ai-proxy.lua check_schema: the driver lookup can't fail after the enum, so only
 * the GCP JSON check remains, with lua-cjson's error text.
 */
export function checkAiProxyConf(conf: { auth?: { gcp?: { service_account_json?: unknown } } }): string | undefined {
  const json = conf.auth?.gcp?.service_account_json;
  if (typeof json !== 'string') return undefined;
  try {
    JSON.parse(json);
    return undefined;
  } catch {
    return `invalid gcp service_account_json: ${cjsonDecodeError(json) ?? 'invalid JSON'}`;
  }
}

/** ai-proxy/schema.lua validate_provider_requirements (3.17+), bedrock part. */
export function checkProviderRequirements(conf: AiInstanceConf): string | undefined {
  return conf.provider === 'bedrock' ? checkBedrockConf(conf) : undefined;
}

/** Admin-side definition of ai-proxy (name, priority, schema, check). */
export const aiProxyDefinition = {
  name: 'ai-proxy',
  priority: 1040,
  version: 0.5,
  schema: aiProxySchema,
  check: (conf: AiProxyConf) => checkAiProxyConf(conf) ?? checkProviderRequirements(conf),
} satisfies PluginDefinition<AiProxyConf>;
