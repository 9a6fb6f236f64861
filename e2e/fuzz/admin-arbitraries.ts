/**
 * fast-check generators of hostile Admin API requests (issue 18): random methods, resources,
 * ids, sub-paths, queries, content types and bodies (random JSON, resource-shaped objects,
 * truncated JSON, null, [], strings, 10,000-deep arrays, 3 MB strings, invalid UTF-8).
 */
import fc from 'fast-check';

export interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer | undefined;
  /** Short description of the body for reports (bodies can be megabytes). */
  label: string;
}

/** A request that prints as one short line in fast-check's counterexample report. */
function fuzzRequest(r: FuzzRequest): FuzzRequest {
  const line = `${r.method} ${r.path.slice(0, 200)} [${r.contentType ?? 'no content-type'}] ${r.label}`;
  return Object.assign(r, { [fc.toStringMethod]: () => line });
}

const RESOURCES = [
  'routes',
  'services',
  'upstreams',
  'consumers',
  'global_rules',
  'plugin_configs',
  'plugin_metadata',
  'consumer_groups',
  'plugins',
  'schema',
  'stream_routes',
  'ssls',
  'secrets',
  'protos',
  'credentials',
];

const PLUGINS = ['key-auth', 'http-logger', 'file-logger', 'ai-proxy', 'ai-rate-limiting', 'prometheus', 'limit-count'];

const idArb: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('1', '2', 'a', 'jack', 'key-auth', 'http-logger', 'file-logger', 'uri', 'upstream', 'plugins'),
  fc.constantFrom('..', '.', '%00', '%2e%2e', '%2F', 'ü', '%C3%BC', '%ZZ', '%', '%E0%A4%A', '%FF', ' ', '%20', '-', '_'),
  fc.constant('a'.repeat(300)),
  fc.constant('9'.repeat(300)),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.stringMatching(/^[a-zA-Z0-9._-]{1,64}$/),
);

const subPathArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('plugins', 'plugins/key-auth', 'desc', 'upstream', 'upstream/nodes', 'labels/a', 'uri', 'hosts'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('credentials', 'credentials/c1', 'credentials/c1/plugins', 'credentials/%00', 'credentials/..'),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.string({ maxLength: 6 }).map(encodeURIComponent), { minLength: 1, maxLength: 4 })
      .map((s) => s.join('/')),
  },
);

const queryArb = fc.constantFrom(
  '',
  '',
  '',
  '?ttl=-1',
  '?ttl=0',
  '?ttl=1',
  '?ttl=abc',
  '?ttl=',
  '?ttl=1.5',
  '?ttl=60',
  '?force=true',
  '?page=0&page_size=x',
  '?page=2&page_size=10',
  '?name=a&label=x',
  '?filter=service_id%3D1',
  '?api_key=x',
);

const pluginConfArb = fc.oneof(
  fc.constant({}),
  fc.constant([]),
  fc.record({ key: fc.string({ maxLength: 12 }) }, { requiredKeys: [] }),
  fc.record({ uri: fc.constantFrom('http://127.0.0.1:1/log', 'x'), batch_max_size: fc.integer() }, { requiredKeys: [] }),
  fc.record({ path: fc.constantFrom('/dev/null', 'logs/x.log', '') }, { requiredKeys: [] }),
  fc.record({ limit: fc.integer(), time_window: fc.integer(), _meta: fc.jsonValue() }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 }),
);

const pluginsArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...PLUGINS), pluginConfArb, { maxKeys: 3 }),
  fc.constant([]),
  fc.jsonValue({ maxDepth: 2 }),
);

const upstreamArb = fc.oneof(
  fc.constant({ type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } }),
  fc.constant({ type: 'roundrobin', nodes: [{ host: '127.0.0.1', port: 1980, weight: 1 }] }),
  fc.record({ type: fc.constantFrom('roundrobin', 'chash', 'x'), nodes: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.constant([]),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Objects shaped like resources, so the generator reaches the checks behind the schema. */
const resourceLikeArb = fc.record(
  {
    id: fc.oneof(fc.constantFrom('1', 'a', '..', 'ü'), fc.integer(), fc.constant(null)),
    uri: fc.constantFrom('/a', '/fuzz/*', '', 'x', '/'),
    uris: fc.oneof(fc.constant([]), fc.array(fc.constantFrom('/a', '/b', ''), { maxLength: 3 })),
    host: fc.constantFrom('example.com', '*.x', ''),
    hosts: fc.oneof(fc.constant([]), fc.array(fc.constantFrom('a.com', ''), { maxLength: 2 })),
    methods: fc.array(fc.constantFrom('GET', 'POST', 'PURGE', 'get'), { maxLength: 3 }),
    plugins: pluginsArb,
    upstream: upstreamArb,
    upstream_id: fc.constantFrom('1', '2', 1, 'a'),
    service_id: fc.constantFrom('1', '2', 'a'),
    plugin_config_id: fc.constantFrom('1', 'a'),
    username: fc.constantFrom('jack', 'rose', 'ü', '', 'a'.repeat(300)),
    group_id: fc.constantFrom('1', 'gold'),
    nodes: fc.oneof(fc.constant({ '127.0.0.1:1980': 1 }), fc.constant([]), fc.jsonValue({ maxDepth: 2 })),
    type: fc.constantFrom('roundrobin', 'chash', 'least_conn', 'x'),
    vars: fc.oneof(fc.constant([]), fc.constant([['arg_a', '==', '1']]), fc.jsonValue({ maxDepth: 3 })),
    desc: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
    labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }), fc.constant([])),
    priority: fc.oneof(fc.integer(), fc.double()),
    status: fc.constantFrom(0, 1, 2),
    create_time: fc.integer(),
    filter_func: fc.constantFrom('function(vars) return true end', 'x'),
    script: fc.constant('local _M = {} return _M'),
    enable_websocket: fc.boolean(),
    timeout: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

interface Body {
  body: Buffer | undefined;
  label: string;
}

const text = (s: string, label = s.slice(0, 60)): Body => ({ body: Buffer.from(s, 'utf8'), label });

const bodyArb: fc.Arbitrary<Body> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Body>({ body: undefined, label: '<none>' }) },
  { weight: 1, arbitrary: fc.constant(text('')) },
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? 'null')) },
  { weight: 8, arbitrary: resourceLikeArb.map((v) => text(JSON.stringify(v))) },
  {
    weight: 2,
    arbitrary: fc.tuple(resourceLikeArb, fc.nat()).map(([v, n]) => {
      const s = JSON.stringify(v);
      return text(s.slice(0, n % Math.max(1, s.length)), `truncated ${s.slice(0, 40)}`);
    }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('null', '[]', '{}', '""', '"str"', '0', 'true', '[1]', '[[]]', '{"a":[]}').map((s) => text(s)),
  },
  { weight: 1, arbitrary: fc.constantFrom(1001, 10_000).map((d) => text(deepArray(d), `${d}-deep array`)) },
  { weight: 1, arbitrary: fc.constant(text(`{"uri":"/a","desc":${deepArray(2000)}}`, 'object holding a 2000-deep array')) },
  { weight: 1, arbitrary: fc.constant(text('{"a":'.repeat(1500) + '1' + '}'.repeat(1500), '1500-deep object')) },
  {
    weight: 1,
    arbitrary: fc.constant(text(JSON.stringify({ uri: '/a', desc: 'x'.repeat(3 * 1024 * 1024) }), '3 MB string field')),
  },
  { weight: 1, arbitrary: fc.constant(text(JSON.stringify('y'.repeat(1024 * 1024)), '1 MB JSON string')) },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({
      body: Buffer.concat([
        Buffer.from('{"uri":"/a","desc":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(b),
        Buffer.from('"}'),
      ]),
      label: 'invalid UTF-8',
    })),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ body: Buffer.from(b), label: 'random bytes' })) },
);

const contentTypeArb = fc.constantFrom(
  undefined,
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/octet-stream',
);

const methodArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'PUT', 'POST', 'PATCH', 'DELETE') },
  { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'TRACE', 'PROPFIND') },
);

const smallId = fc.constantFrom('1', '2', '3', 'a', 'b');
const upstreamOk = { type: 'roundrobin', nodes: { '127.0.0.1:1980': 1 } };

/** A plausible body per resource (so writes succeed and later requests meet stored state). */
const TEMPLATES: readonly [string, fc.Arbitrary<string>, fc.Arbitrary<Record<string, unknown>>][] = [
  [
    'routes',
    smallId,
    fc.constantFrom(
      { uri: '/fuzz/a', upstream: upstreamOk },
      { uris: ['/fuzz/b'], upstream_id: '1' },
      { uri: '/fuzz/c', service_id: '1' },
      { uri: '/fuzz/d', plugins: {} },
    ),
  ],
  ['services', smallId, fc.constantFrom({}, { upstream: upstreamOk }, { upstream_id: '1' }, { plugins: { 'key-auth': {} } })],
  [
    'upstreams',
    smallId,
    fc.constantFrom(upstreamOk, { type: 'chash', key: 'remote_addr', nodes: [{ host: '127.0.0.1', port: 1980, weight: 1 }] }),
  ],
  [
    'consumers',
    fc.constant(''),
    fc.constantFrom(
      { username: 'jack', plugins: { 'key-auth': { key: 'k1' } } },
      { username: 'rose', group_id: '1' },
      { username: 'tom' },
    ),
  ],
  ['consumers/jack/credentials', smallId, fc.constantFrom({ plugins: { 'key-auth': { key: 'k2' } } }, { plugins: {} }, {})],
  ['global_rules', smallId, fc.constantFrom({ plugins: { 'http-logger': { uri: 'http://127.0.0.1:1/log' } } }, { plugins: {} })],
  ['plugin_configs', smallId, fc.constantFrom({ plugins: {} }, { plugins: { 'key-auth': {} } })],
  [
    'consumer_groups',
    smallId,
    fc.constantFrom({ plugins: {} }, { plugins: { 'ai-rate-limiting': { limit: 10, time_window: 60 } } }),
  ],
  [
    'plugin_metadata',
    fc.constantFrom('key-auth', 'http-logger', 'file-logger', 'ai-proxy', 'nope'),
    fc.constantFrom({}, { log_format: { host: '$host' } }),
  ],
];

/** A resource-shaped write or read: a template, sometimes with random fields mixed in. */
const plausibleArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    template: fc.constantFrom(...TEMPLATES.map((_, i) => i)).chain((i) => {
      const [res, id, body] = TEMPLATES[i]!;
      return fc.record({ res: fc.constant(res), id, body });
    }),
    extra: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: resourceLikeArb }),
    method: fc.constantFrom('PUT', 'PUT', 'PUT', 'POST', 'PATCH', 'GET', 'DELETE'),
    sub: fc.oneof(
      { weight: 5, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('plugins', 'desc', 'upstream', 'plugins/key-auth') },
    ),
    query: queryArb,
    hostile: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: bodyArb }),
  })
  .map(({ template, extra, method, sub, query, hostile }) => {
    const json = JSON.stringify({ ...template.body, ...extra });
    const body: Body = hostile ?? { body: Buffer.from(json), label: json.slice(0, 80) };
    let path = `/apisix/admin/${template.res}`;
    if (template.id) path += `/${template.id}`;
    if (template.id && sub && method === 'PATCH') path += `/${sub}`;
    const withBody = method === 'PUT' || method === 'POST' || method === 'PATCH';
    return fuzzRequest({
      method,
      path: path + query,
      contentType: 'application/json',
      body: withBody ? body.body : undefined,
      label: withBody ? body.label : '<none>',
    });
  });

/** A request of any shape. */
const anyArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: methodArb,
    resource: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...RESOURCES) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(encodeURIComponent) },
    ),
    id: idArb,
    sub: subPathArb,
    query: queryArb,
    contentType: contentTypeArb,
    body: bodyArb,
  })
  .map(({ method, resource, id, sub, query, contentType, body }) => {
    let path = `/apisix/admin/${resource}`;
    if (id !== undefined) path += `/${id}`;
    if (id !== undefined && sub) path += `/${sub}`;
    const noBody = method === 'HEAD' || method === 'TRACE';
    return fuzzRequest({
      method,
      path: path + query,
      contentType,
      body: noBody ? undefined : body.body,
      label: noBody ? '<none>' : body.label,
    });
  });

/** One hostile request: plausible resource writes and reads mixed with anything at all. */
export const requestArb: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 1, arbitrary: plausibleArb },
  { weight: 1, arbitrary: anyArb },
);
