import { describe, expect, it } from 'vitest';
import { substituteEnv, substituteEnvText } from './env.js';
import { ConfError } from './errors.js';

describe('substituteEnv', () => {
  it('replaces ${{VAR}} inside strings, keeping the surrounding text', () => {
    expect(substituteEnv({ a: 'http://${{HOST}}:2379' }, { HOST: 'etcd.local' })).toEqual({ a: 'http://etcd.local:2379' });
  });

  it('uses the default of ${{VAR:=default}} only when VAR is unset', () => {
    const tree = { a: '${{ X:= fallback }}', b: '${{Y:=other}}' };
    expect(substituteEnv(tree, { Y: 'set' })).toEqual({ a: 'fallback', b: 'set' });
  });

  it('turns a substituted number or boolean into that type, as APISIX does', () => {
    const tree = { port: '${{PORT}}', on: '${{ON}}', off: '${{OFF}}', plain: '9080', text: 'v${{PORT}}' };
    expect(substituteEnv(tree, { PORT: '9081', ON: 'true', OFF: 'false' })).toEqual({
      port: 9081,
      on: true,
      off: false,
      plain: '9080',
      text: 'v9081',
    });
  });

  it('walks lists and nested maps', () => {
    expect(substituteEnv({ l: [{ k: '${{K}}' }, 'x'] }, { K: 'v' })).toEqual({ l: [{ k: 'v' }, 'x'] });
  });

  it('fails naming the variable when it is unset and has no default', () => {
    expect(() => substituteEnv({ deployment: { etcd: { password: '${{ETCD_PW}}' } } }, {})).toThrow(
      new ConfError(
        'conf_env',
        "failed to handle configuration: can't find environment variable ETCD_PW (at deployment.etcd.password)",
      ),
    );
  });
});

describe('substituteEnvText', () => {
  it('replaces variables in raw text so the YAML parser decides their types', () => {
    expect(substituteEnvText('port: ${{PORT}}\nname: "${{PORT}}"\nx: ${{MISSING:=d}}\n', { PORT: '1980' })).toBe(
      'port: 1980\nname: "1980"\nx: d\n',
    );
  });

  it('fails naming an unset variable without a default', () => {
    expect(() => substituteEnvText('a: ${{NOPE}}', {})).toThrow(
      "failed to handle configuration: can't find environment variable NOPE",
    );
  });
});
