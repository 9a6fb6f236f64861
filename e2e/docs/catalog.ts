import { APISIX_AI_CATALOG } from './catalog-apisix.js';
import { SEEDS } from './verbatim.js';

/** Where a fixture's text comes from, and how the verbatim test proves it. */
export type Provenance =
  /** Byte-exact inside a clean markdown seed. */
  | { kind: 'exact'; seed: string }
  /** Inside a scraped page once whitespace is collapsed on both sides (the page lost indentation). */
  | { kind: 'normalised'; seed: string }
  /** A base fixture with one line replaced as the newest doc's diff shows; `anchor` is diff text around the fix. */
  | { kind: 'patched'; base: string; from: string; to: string; seed: string; anchor: string }
  /** Added wholesale by the newest doc's diff (after-side, whitespace collapsed). */
  | { kind: 'diff-added'; seed: string }
  /** Byte-exact inside an APISIX plugin doc stored under sources/ (`seed`), taken from apache/apisix `tag`:`path`. */
  | { kind: 'apisix-doc'; seed: string; tag: string; path: string };

/** One shell block (or config snippet) of a seed doc, checked in verbatim under fixtures/. */
export interface CatalogEntry {
  /** Fixture path relative to fixtures/ — also the example id in reports. */
  fixture: string;
  doc: 'ai-proxy' | 'ai-proxy-multi (002, older)' | 'ai-proxy-multi (newest: 002 + 004 diff)' | `${string} (apisix ${string})`;
  section: string;
  provenance: Provenance;
}

const page = (fixture: string, section: string): CatalogEntry => ({
  fixture: `ai-proxy/${fixture}`,
  doc: 'ai-proxy',
  section,
  provenance: { kind: 'normalised', seed: SEEDS.aiProxyPage },
});

const md = (fixture: string, section: string): CatalogEntry => ({
  fixture: `ai-proxy-multi/${fixture}`,
  doc: 'ai-proxy-multi (002, older)',
  section,
  provenance: { kind: 'exact', seed: SEEDS.aiProxyMultiMd },
});

// 002 writes `"fallback_strategy: "instance_health_and_rate_limiting",`; the 004 diff's base already
// had `"fallback_strategy: ["rate_limiting"],` and fixes it to valid JSON. The newest block is the
// 002 block with that one line as 004 prints it (the rest of the block is unchanged context).
const FALLBACK_OLD = '        "fallback_strategy: "instance_health_and_rate_limiting",';
const FALLBACK_NEW = '        "fallback_strategy": ["rate_limiting"],';

const newest = (fixture: string, section: string, provenance: Provenance): CatalogEntry => ({
  fixture: `ai-proxy-multi-newest/${fixture}`,
  doc: 'ai-proxy-multi (newest: 002 + 004 diff)',
  section,
  provenance,
});

/** Every Admin API / data-plane shell block of the seed docs, in doc order. */
export const CATALOG: CatalogEntry[] = [
  page('01-admin-key.sh', 'Examples (admin_key note)'),
  page('02-openai-export.sh', 'Proxy to OpenAI'),
  page('03-openai-route.sh', 'Proxy to OpenAI'),
  page('04-openai-post.sh', 'Proxy to OpenAI'),
  page('05-deepseek-export.sh', 'Proxy to DeepSeek'),
  page('06-deepseek-route.sh', 'Proxy to DeepSeek'),
  page('07-deepseek-post.sh', 'Proxy to DeepSeek'),
  page('08-azure-export.sh', 'Proxy to Azure OpenAI'),
  page('09-azure-route.sh', 'Proxy to Azure OpenAI'),
  page('10-azure-post.sh', 'Proxy to Azure OpenAI'),
  page('11-embeddings-export.sh', 'Proxy to Embedding Models'),
  page('12-embeddings-route.sh', 'Proxy to Embedding Models'),
  page('13-embeddings-post.sh', 'Proxy to Embedding Models'),
  page('14-access-log-format.yaml', 'Include LLM Information in Access Log'),

  md('01-admin-key.sh', 'Examples (admin_key note)'),
  md('02-lb-route.sh', 'Load Balance between Instances'),
  md('03-lb-count-loop.sh', 'Load Balance between Instances'),
  md('04-priority-route.sh', 'Configure Instance Priority and Rate Limiting'),
  md('05-priority-post-1.sh', 'Configure Instance Priority and Rate Limiting'),
  md('06-priority-post-2.sh', 'Configure Instance Priority and Rate Limiting'),
  md('07-consumer-johndoe.sh', 'Load Balance and Rate Limit by Consumers'),
  md('08-cred-johndoe.sh', 'Load Balance and Rate Limit by Consumers'),
  md('09-consumer-janedoe.sh', 'Load Balance and Rate Limit by Consumers'),
  md('10-cred-janedoe.sh', 'Load Balance and Rate Limit by Consumers'),
  md('11-consumer-route.sh', 'Load Balance and Rate Limit by Consumers'),
  md('12-no-key.sh', 'Load Balance and Rate Limit by Consumers'),
  md('13-john-1.sh', 'Load Balance and Rate Limit by Consumers'),
  md('14-john-2.sh', 'Load Balance and Rate Limit by Consumers'),
  md('15-jane-1.sh', 'Load Balance and Rate Limit by Consumers'),
  md('16-jane-2.sh', 'Load Balance and Rate Limit by Consumers'),
  md('17-max-tokens-route.sh', 'Restrict Maximum Number of Completion Tokens'),
  md('18-max-tokens-post.sh', 'Restrict Maximum Number of Completion Tokens'),
  md('19-embeddings-route.sh', 'Proxy to Embedding Models'),
  md('20-embeddings-post.sh', 'Proxy to Embedding Models'),
  md('21-health-route.sh', 'Enable Active Health Checks'),
  md('22-access-log-format.yaml', 'Include LLM Information in Access Log'),

  newest('04-priority-route.sh', 'Configure Instance Priority and Rate Limiting', {
    kind: 'patched',
    base: 'ai-proxy-multi/04-priority-route.sh',
    from: FALLBACK_OLD,
    to: FALLBACK_NEW,
    seed: SEEDS.aiProxyMultiNewestDiff,
    anchor:
      '"plugins": { "ai-proxy-multi": { "fallback_strategy": ["rate_limiting"], "instances": [ { "name": "openai-instance",',
  }),
  newest('09-consumer-janedoe.sh', 'Load Balance and Rate Limit by Consumers', {
    kind: 'patched',
    base: 'ai-proxy-multi/09-consumer-janedoe.sh',
    from: '    "username": "johndoe",',
    to: '    "username": "janedoe",',
    seed: SEEDS.aiProxyMultiNewestDiff,
    anchor: '-H "X-API-KEY: ${admin_key}" \\ -d \'{ "username": "janedoe", "plugins": { "ai-rate-limiting": { "instances": [',
  }),
  newest('11-consumer-route.sh', 'Load Balance and Rate Limit by Consumers', {
    kind: 'patched',
    base: 'ai-proxy-multi/11-consumer-route.sh',
    from: FALLBACK_OLD,
    to: FALLBACK_NEW,
    seed: SEEDS.aiProxyMultiNewestDiff,
    anchor:
      '"plugins": { "key-auth": {}, "ai-proxy-multi": { "fallback_strategy": ["rate_limiting"], "instances": [ { "name": "openai-instance",',
  }),
  newest('23-logging-route.sh', 'Send Request Log to Logger', { kind: 'diff-added', seed: SEEDS.aiProxyMultiNewestDiff }),
  newest('24-logging-post.sh', 'Send Request Log to Logger', { kind: 'diff-added', seed: SEEDS.aiProxyMultiNewestDiff }),

  // APISIX 3.18 AI-plugin docs (catalog-apisix.ts).
  ...APISIX_AI_CATALOG,
];

/** Look up a catalog entry by fixture path (throws on typos so a suite cannot silently skip one). */
export function entry(fixture: string): CatalogEntry {
  const e = CATALOG.find((c) => c.fixture === fixture);
  if (!e) throw new Error(`no catalog entry for fixture ${fixture}`);
  return e;
}
