import { bedrockHost, bedrockPath } from '../bedrock/protocol.js';
import type { DefaultTarget, ProviderDescriptor, TargetInput } from '../types.js';

/**
 * Amazon Bedrock runtime (apisix/plugins/ai-providers/bedrock.lua): host from
 * provider_conf.region, path from the model and the stream flag, `model` removed from the
 * body. Request/response conversion and SigV4 are done by the caller with ../bedrock/*.
 */
export const bedrock: ProviderDescriptor = Object.freeze({
  name: 'bedrock',
  removeModel: true,
  defaultTarget(_capability, { providerConf, model, stream }: TargetInput): DefaultTarget {
    const region = providerConf.region;
    if (typeof region !== 'string' || region === '') return { scheme: 'https' };
    const path = bedrockPath(model, stream === true);
    return path ? { scheme: 'https', host: bedrockHost(region), path } : { scheme: 'https', host: bedrockHost(region) };
  },
} satisfies ProviderDescriptor);
