import type { Capability, DefaultTarget, ProviderDescriptor, TargetInput } from '../types.js';
import { fromVertexPredict, toVertexPredict } from './vertex-embeddings.js';

const NO_DEFAULT: DefaultTarget = Object.freeze({ scheme: 'https' });

/**
 * Google Vertex AI (apisix/plugins/ai-drivers/vertex-ai.lua). Chat goes to the
 * OpenAI-compatible `endpoints/openapi` path; embeddings are converted to `:predict`.
 * Host and paths come from provider_conf {project_id, region}; without both there is no
 * default (an `override.endpoint` is then required), as in APISIX.
 */
export const vertexAi: ProviderDescriptor = Object.freeze({
  name: 'vertex-ai',
  removeModel: false,
  defaultTarget(capability: Capability, { providerConf, model }: TargetInput): DefaultTarget {
    const { project_id: project, region } = providerConf;
    if (typeof project !== 'string' || typeof region !== 'string') return NO_DEFAULT;
    const path =
      capability === 'embeddings'
        ? `/v1/projects/${project}/locations/${region}/publishers/google/models/${model ?? ''}:predict`
        : `/v1beta1/projects/${project}/locations/${region}/endpoints/openapi/chat/completions`;
    return { scheme: 'https', host: `${region}-aiplatform.googleapis.com`, path };
  },
  encodeRequest(body, capability) {
    return capability === 'embeddings' ? toVertexPredict(body) : { ok: true, value: body };
  },
  decodeResponse(body, capability, requestModel) {
    return capability === 'embeddings' ? fromVertexPredict(body, requestModel) : undefined;
  },
} satisfies ProviderDescriptor);
