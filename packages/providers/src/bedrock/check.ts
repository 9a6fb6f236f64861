/**
 * Admin-side requirements of the bedrock provider (ai-proxy/schema.lua
 * validate_provider_requirements). Its own module with no imports, so the Admin API can load it
 * (`@portico/providers/bedrock-check`) without the provider runtime.
 */
export function checkBedrockConf(conf: { provider_conf?: { region?: unknown }; auth?: { aws?: unknown } }): string | undefined {
  if (!conf.provider_conf?.region) return 'bedrock requires provider_conf.region';
  if (!conf.auth?.aws) return 'bedrock requires auth.aws';
  return undefined;
}
