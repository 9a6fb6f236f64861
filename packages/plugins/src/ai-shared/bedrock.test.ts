import { describe, expect, it } from 'vitest';
import { prepareBedrock } from './bedrock.js';
import { parseEndpoint } from './endpoint.js';
import type { AiInstanceConf } from './types.js';

const aws = { access_key_id: 'AKID', secret_access_key: 'secret', session_token: 'tok' };
const conf = (extra: Partial<AiInstanceConf> = {}): AiInstanceConf => ({
  provider: 'bedrock',
  auth: { aws },
  provider_conf: { region: 'eu-west-3' },
  ...extra,
});

describe('prepareBedrock', () => {
  it('targets bedrock-runtime.<region>.amazonaws.com:443 with a port-less Host by default', () => {
    expect(prepareBedrock(conf(), undefined)).toMatchObject({
      region: 'eu-west-3',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' },
      scheme: 'https',
      host: 'bedrock-runtime.eu-west-3.amazonaws.com',
      port: 443,
      hostHeader: 'bedrock-runtime.eu-west-3.amazonaws.com',
      fixedPath: undefined,
    });
  });

  it('keeps a non-default endpoint port in the Host and wire-encodes an endpoint path once', () => {
    const p = prepareBedrock(conf(), parseEndpoint('http://127.0.0.1:1980/model/a.b-v2:0/converse'));
    expect(p).toMatchObject({
      scheme: 'http',
      host: '127.0.0.1',
      port: 1980,
      hostHeader: '127.0.0.1:1980',
      fixedPath: '/model/a.b-v2%3A0/converse',
    });
    expect(prepareBedrock(conf(), parseEndpoint('https://vpce.example:443'))).toMatchObject({
      hostHeader: 'vpce.example',
      fixedPath: undefined,
    });
  });

  it('is undefined for other providers and for confs without region or auth.aws', () => {
    expect(prepareBedrock(conf({ provider: 'openai' }), undefined)).toBeUndefined();
    expect(prepareBedrock(conf({ provider_conf: {} }), undefined)).toBeUndefined();
    expect(prepareBedrock(conf({ auth: {} }), undefined)).toBeUndefined();
  });
});
