import type { CatalogEntry } from './catalog.js';

/** APISIX release whose plugin docs the AI-plugin fixtures are copied from. */
export const APISIX_DOCS_TAG = '3.18.0';

/** The APISIX 3.18 AI-plugin docs stored under sources/ (Apache-2.0 text, unmodified). */
export const APISIX_DOCS = [
  'ai-prompt-decorator',
  'ai-prompt-template',
  'ai-prompt-guard',
  'ai-request-rewrite',
  'ai-aws-content-moderation',
  'ai-lakera-guard',
  'ai-cache',
] as const;
export type ApisixDoc = (typeof APISIX_DOCS)[number];

/** Path of a stored doc relative to e2e/docs, and its path in the apache/apisix repository. */
export const sourceOf = (doc: ApisixDoc) => ({
  stored: `sources/apisix-${APISIX_DOCS_TAG}/${doc}.md`,
  upstream: `docs/en/latest/plugins/${doc}.md`,
});

const block = (doc: ApisixDoc, file: string, section: string): CatalogEntry => ({
  fixture: `${doc}/${file}`,
  doc: `${doc} (apisix ${APISIX_DOCS_TAG})`,
  section,
  provenance: { kind: 'apisix-doc', seed: sourceOf(doc).stored, tag: APISIX_DOCS_TAG, path: sourceOf(doc).upstream },
});

/**
 * Every Admin API / data-plane shell block of the 3.18 AI-plugin docs, in doc order (the ADC and
 * Ingress Controller tabs' `adc sync` / `kubectl apply` blocks are out of scope: no Kubernetes here).
 */
export const APISIX_AI_CATALOG: CatalogEntry[] = [
  block('ai-prompt-decorator', '01-export.sh', 'Examples'),
  block('ai-prompt-decorator', '02-admin-key.sh', 'Prepend and Append Messages'),
  block('ai-prompt-decorator', '03-route.sh', 'Prepend and Append Messages'),
  block('ai-prompt-decorator', '04-post.sh', 'Prepend and Append Messages'),
  block('ai-prompt-template', '01-export.sh', 'Examples'),
  block('ai-prompt-template', '02-admin-key.sh', 'Examples'),
  block('ai-prompt-template', '03-route.sh', 'Configure a Template for Open Questions in Custom Complexity'),
  block('ai-prompt-template', '04-post.sh', 'Configure a Template for Open Questions in Custom Complexity'),
  block('ai-prompt-template', '05-patch.sh', 'Configure Multiple Templates'),
  block('ai-prompt-template', '06-post.sh', 'Configure Multiple Templates'),
  block('ai-prompt-template', '07-post.sh', 'Configure Multiple Templates'),
  block('ai-prompt-guard', '01-export.sh', 'Examples'),
  block('ai-prompt-guard', '02-export.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '03-admin-key.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '04-route.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '05-post.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '06-post.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '07-post.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '08-post.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '09-post.sh', 'Implement Allow and Deny Patterns'),
  block('ai-prompt-guard', '10-export.sh', 'Validate Messages From All Roles and Conversation History'),
  block('ai-prompt-guard', '11-route.sh', 'Validate Messages From All Roles and Conversation History'),
  block('ai-prompt-guard', '12-post.sh', 'Validate Messages From All Roles and Conversation History'),
  block('ai-prompt-guard', '13-post.sh', 'Validate Messages From All Roles and Conversation History'),
  block('ai-prompt-guard', '14-post.sh', 'Validate Messages From All Roles and Conversation History'),
  block('ai-request-rewrite', '01-export.sh', 'Examples'),
  block('ai-request-rewrite', '02-admin-key.sh', 'Examples'),
  block('ai-request-rewrite', '03-route.sh', 'Redact Sensitive Information'),
  block('ai-request-rewrite', '04-post.sh', 'Redact Sensitive Information'),
  block('ai-request-rewrite', '05-route.sh', 'Reformat Data'),
  block('ai-request-rewrite', '06-post.sh', 'Reformat Data'),
  block('ai-request-rewrite', '07-route.sh', 'Summarize Information'),
  block('ai-request-rewrite', '08-post.sh', 'Summarize Information'),
  block('ai-request-rewrite', '09-route.sh', 'Send Request to an OpenAI-Compatible LLM'),
  block('ai-aws-content-moderation', '01-export.sh', 'Examples'),
  block('ai-aws-content-moderation', '02-admin-key.sh', 'Moderate Profanity'),
  block('ai-aws-content-moderation', '03-route.sh', 'Moderate Profanity'),
  block('ai-aws-content-moderation', '04-post.sh', 'Moderate Profanity'),
  block('ai-aws-content-moderation', '05-post.sh', 'Moderate Profanity'),
  block('ai-aws-content-moderation', '06-route.sh', 'Moderate Overall Toxicity'),
  block('ai-aws-content-moderation', '07-post.sh', 'Moderate Overall Toxicity'),
  block('ai-aws-content-moderation', '08-post.sh', 'Moderate Overall Toxicity'),
  block('ai-lakera-guard', '01-admin-key.sh', 'Examples'),
  block('ai-lakera-guard', '02-export.sh', 'Examples'),
  block('ai-lakera-guard', '03-route.sh', 'Block Malicious Requests'),
  block('ai-lakera-guard', '04-post.sh', 'Block Malicious Requests'),
  block('ai-lakera-guard', '05-post.sh', 'Block Malicious Requests'),
  block('ai-lakera-guard', '06-patch.sh', 'Scan Responses as Well as Requests'),
  block('ai-lakera-guard', '07-patch.sh', 'Roll Out in Shadow Mode First'),
  block('ai-lakera-guard', '08-patch.sh', 'Surface Matched Categories'),
  block('ai-cache', '01-export.sh', 'Example'),
  block('ai-cache', '02-route.sh', 'Cache LLM Responses'),
  block('ai-cache', '03-post.sh', 'Cache LLM Responses'),
  block('ai-cache', '04-patch.sh', 'Bypass the Cache'),
  block('ai-cache', '05-post.sh', 'Bypass the Cache'),
  block('ai-cache', '06-route.sh', 'Cache LLM Responses with Semantic Matching'),
  block('ai-cache', '07-post.sh', 'Cache LLM Responses with Semantic Matching'),
  block('ai-cache', '08-post.sh', 'Cache LLM Responses with Semantic Matching'),
];
