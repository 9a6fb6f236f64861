import { describe, expect, it } from 'vitest';
import { ConfError } from './errors.js';
import { parseConf } from './load.js';

const FILE = '/tmp/portico/conf/config.yaml';
const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConf(text, FILE, env);

describe('apisix.status', () => {
  it('is off when the key is absent, as in APISIX', () => {
    expect(parse('apisix:\n  node_listen: 9080\n').apisix.status).toBeUndefined();
  });

  it('defaults ip to 127.0.0.1 and port to 7085 when present', () => {
    expect(parse('apisix:\n  status: {}\n').apisix.status).toEqual({ ip: '127.0.0.1', port: 7085 });
    expect(parse('apisix:\n  status:\n    ip: 0.0.0.0\n').apisix.status).toEqual({ ip: '0.0.0.0', port: 7085 });
  });

  it('reads ip and port, including a port substituted from the environment', () => {
    const conf = parse('apisix:\n  status:\n    ip: 0.0.0.0\n    port: ${{STATUS_PORT:=7085}}\n', { STATUS_PORT: '17085' });
    expect(conf.apisix.status).toEqual({ ip: '0.0.0.0', port: 17085 });
  });

  it('rejects a port outside 1-65535 naming the key', () => {
    expect(() => parse('apisix:\n  status:\n    port: 70000\n')).toThrow(ConfError);
    expect(() => parse('apisix:\n  status:\n    port: 70000\n')).toThrow(
      'invalid configuration in /tmp/portico/conf/config.yaml: apisix.status.port must be a port number 1-65535, got 70000',
    );
  });
});

describe('nginx_config.worker_shutdown_timeout', () => {
  it("defaults to APISIX's 240s", () => {
    expect(parse('').nginxConfig.workerShutdownTimeout).toBe(240);
  });

  it('reads nginx time strings and bare numbers as seconds', () => {
    const cases: Array<[string, number]> = [
      ['20s', 20],
      ['4m', 240],
      ['1m30s', 90],
      ['500ms', 0.5],
      ['1h', 3600],
      ['15', 15],
    ];
    for (const [text, seconds] of cases) {
      expect(parse(`nginx_config:\n  worker_shutdown_timeout: "${text}"\n`).nginxConfig.workerShutdownTimeout).toBe(seconds);
    }
    expect(parse('nginx_config:\n  worker_shutdown_timeout: 7\n').nginxConfig.workerShutdownTimeout).toBe(7);
  });

  it('rejects a value nginx would not parse', () => {
    expect(() => parse('nginx_config:\n  worker_shutdown_timeout: soon\n')).toThrow(
      'invalid configuration in /tmp/portico/conf/config.yaml: nginx_config.worker_shutdown_timeout must be an nginx time such as "240s", "4m" or a number of seconds, got "soon"',
    );
  });
});
