import { checkPluginConf } from '@portico/schemas';
import { describe, expect, it } from 'vitest';
import { authCtx, bodyText, consumer, routeState } from '../auth-util/auth-ctx.case.js';
import { consumerRestriction } from './index.js';

function run(
  conf: Record<string, unknown>,
  opts: { user?: string; group?: string; method?: string; serviceId?: string; routeId?: string } = {},
) {
  const ctx = authCtx('none', 'none', [], {
    method: opts.method ?? 'GET',
    ...(opts.serviceId !== undefined ? { serviceId: opts.serviceId } : {}),
    ...(opts.routeId !== undefined ? { routeId: opts.routeId } : {}),
  });
  if (opts.user !== undefined) ctx.consumer = consumer(opts.user, opts.group === undefined ? {} : { groupId: opts.group });
  const reply = consumerRestriction.access!(ctx, routeState(consumerRestriction, conf));
  return reply as Exclude<typeof reply, Promise<unknown>>;
}

describe('consumer-restriction definition', () => {
  it('has APISIX priority 2400, no auth type, and fills type and rejected_code defaults', () => {
    expect([consumerRestriction.priority, consumerRestriction.type, consumerRestriction.version]).toEqual([2400, undefined, 0.1]);
    const c: Record<string, unknown> = { title: 'whitelist', whitelist: ['jack1', 'jack2'] };
    expect(checkPluginConf(consumerRestriction, c, 'route')).toBeUndefined();
    expect(c).toEqual({ rejected_code: 403, title: 'whitelist', type: 'consumer_name', whitelist: ['jack1', 'jack2'] });
  });

  it('needs one of blacklist, whitelist, allowed_by_methods and validates each', () => {
    expect(checkPluginConf(consumerRestriction, {}, 'route')).toBe(
      'object matches none of the required: ["blacklist"] or ["whitelist"] or ["allowed_by_methods"]',
    );
    expect(
      checkPluginConf(consumerRestriction, { whitelist: ['a'], blacklist: ['b'], allowed_by_methods: [] }, 'route'),
    ).toBeUndefined();
    expect(checkPluginConf(consumerRestriction, { whitelist: [] }, 'route')).toBe(
      'property "whitelist" validation failed: expect array to have at least 1 items',
    );
    expect(checkPluginConf(consumerRestriction, { type: 'ip', whitelist: ['a'] }, 'route')).toBe(
      'property "type" validation failed: matches none of the enum values',
    );
    expect(checkPluginConf(consumerRestriction, { whitelist: ['a'], rejected_code: 199 }, 'route')).toBe(
      'property "rejected_code" validation failed: expected 199 to be at least 200',
    );
    expect(checkPluginConf(consumerRestriction, { allowed_by_methods: [{ user: 'a', methods: ['FETCH'] }] }, 'route')).toMatch(
      /^property "allowed_by_methods" validation failed/,
    );
  });
});

describe('consumer-restriction access', () => {
  it('answers 401 when the request has no value of the configured type', () => {
    expect(bodyText(run({ whitelist: ['jack1'] }))).toBe(
      '{"message":"The request is rejected, please check the consumer_name for this request"}\n',
    );
    expect(run({ type: 'service_id', blacklist: ['1'] })).toEqual({
      status: 401,
      body: { message: 'The request is rejected, please check the service_id for this request' },
    });
    expect(bodyText(run({ type: 'consumer_group_id', whitelist: ['g'] }, { user: 'jack3' }))).toBe(
      '{"message":"The request is rejected, please check the consumer_group_id for this request"}\n',
    );
  });

  it('lets a whitelisted consumer through and refuses others with 403 The consumer_name is forbidden.', () => {
    expect(run({ whitelist: ['jack1'] }, { user: 'jack1' })).toBeUndefined();
    expect(run({ whitelist: ['jack1'] }, { user: 'jack2' })).toEqual({
      status: 403,
      body: { message: 'The consumer_name is forbidden.' },
    });
  });

  it('refuses a blacklisted consumer with rejected_code and rejected_msg', () => {
    expect(run({ blacklist: ['jack1'], rejected_msg: 'request is forbidden' }, { user: 'jack1' })).toEqual({
      status: 403,
      body: { message: 'request is forbidden' },
    });
    expect(run({ blacklist: ['jack1'], rejected_code: 401 }, { user: 'jack1' })?.status).toBe(401);
    expect(run({ blacklist: ['jack1'] }, { user: 'jack2' })).toBeUndefined();
  });

  it('checks the blacklist before the whitelist', () => {
    expect(run({ blacklist: ['jack1'], whitelist: ['jack1'] }, { user: 'jack1' })?.status).toBe(403);
    expect(run({ blacklist: ['jack1'], whitelist: ['jack2'] }, { user: 'jack2' })).toBeUndefined();
  });

  it('allowed_by_methods limits the listed user to its methods; other users pass', () => {
    const conf = { allowed_by_methods: [{ user: 'jack1', methods: ['POST'] }] };
    expect(run(conf, { user: 'jack1', method: 'GET' })).toEqual({
      status: 403,
      body: { message: 'The consumer_name is forbidden.' },
    });
    expect(run(conf, { user: 'jack1', method: 'POST' })).toBeUndefined();
    expect(run(conf, { user: 'jack2', method: 'GET' })).toBeUndefined();
    // a whitelisted value skips the method check
    expect(run({ ...conf, whitelist: ['jack1'] }, { user: 'jack1', method: 'GET' })).toBeUndefined();
  });

  it('restricts by route_id, service_id and consumer_group_id', () => {
    expect(run({ type: 'route_id', whitelist: ['1'] }, { routeId: '1' })).toBeUndefined();
    expect(run({ type: 'route_id', blacklist: ['1'] }, { routeId: '1' })).toEqual({
      status: 403,
      body: { message: 'The route_id is forbidden.' },
    });
    expect(run({ type: 'service_id', whitelist: ['1'], rejected_code: 401 }, { serviceId: '2' })).toEqual({
      status: 401,
      body: { message: 'The service_id is forbidden.' },
    });
    expect(run({ type: 'consumer_group_id', whitelist: ['group1'] }, { user: 'jack1', group: 'group1' })).toBeUndefined();
    expect(run({ type: 'consumer_group_id', whitelist: ['group1'] }, { user: 'jack2', group: 'group2' })).toEqual({
      status: 403,
      body: { message: 'The consumer_group_id is forbidden.' },
    });
  });
});
