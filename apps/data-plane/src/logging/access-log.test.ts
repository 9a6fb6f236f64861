import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoHandler, rawRequest, startTestDataPlane, startUpstream, testConf } from '../testing.case.js';
import { compileLogFormat, DEFAULT_ACCESS_LOG_FORMAT } from './access-log-format.js';

const vars = (m: Record<string, string>) => ({ get: (n: string) => m[n] });

describe('compileLogFormat', () => {
  it('substitutes $var and ${var}, printing - for unset variables', () => {
    const f = compileLogFormat('$remote_addr [${status}] "$http_referer" ${x}y');
    expect(f(vars({ remote_addr: '1.2.3.4', status: '200', x: 'X' }))).toBe('1.2.3.4 [200] "-" Xy');
  });

  it('escapes quotes, backslashes, control and non-ASCII bytes as nginx escape=default', () => {
    const f = compileLogFormat('"$http_user_agent"');
    expect(f(vars({ http_user_agent: 'a"b\\c\td é' }))).toBe('"a\\x22b\\x5Cc\\x09d \\xC3\\xA9"');
  });

  it('escapes as JSON with escape=json and not at all with escape=none', () => {
    expect(compileLogFormat('$v', 'json')(vars({ v: 'a"b\n' }))).toBe('a\\"b\\n');
    expect(compileLogFormat('$v', 'none')(vars({ v: 'a"b' }))).toBe('a"b');
  });
});

describe('access log redaction', () => {
  it('replaces secret query values in the request line and keeps every other byte', () => {
    const f = compileLogFormat('"$request_line" $args');
    const line = f(vars({ request_line: 'POST /logged?from=query&apikey=s3cr3t HTTP/1.1', args: 'from=query&apikey=s3cr3t' }));
    expect(line).toBe('"POST /logged?from=query&apikey=[REDACTED] HTTP/1.1" from=query&apikey=[REDACTED]');
  });

  it('redacts credential headers, cookies and args but not ordinary ones', () => {
    const f = compileLogFormat('$http_authorization $http_x_api_key $http_user_agent $cookie_session $arg_token $arg_page');
    const m = {
      http_authorization: 'Bearer sk',
      http_x_api_key: 'k',
      http_user_agent: 'ua',
      cookie_session: 'c',
      arg_token: 't',
      arg_page: '2',
    };
    expect(f(vars(m))).toBe('[REDACTED] [REDACTED] ua [REDACTED] [REDACTED] 2');
  });

  it('redacts a header that a plugin in effect names as its credential source', () => {
    const f = compileLogFormat('$http_x_my_cred');
    expect(f(vars({ http_x_my_cred: 'v' }))).toBe('v');
    expect(f(vars({ http_x_my_cred: 'v' }), { headers: new Set(['x-my-cred']), query: new Set() })).toBe('[REDACTED]');
  });
});

describe('access log', () => {
  it('writes one line per request in the APISIX default format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-al-'));
    const file = join(dir, 'logs', 'access.log');
    const t = await startTestDataPlane({ conf: testConf({ accessLog: file }) });
    const up = await startUpstream(echoHandler);
    await t.put('routes/1', { uri: '/logged', upstream: { nodes: { [up.addr]: 1 } } });
    await rawRequest(`${t.url}/logged?q=1`, { headers: { host: 'h.example', 'user-agent': 'ua/1', referer: 'http://r' } });
    await rawRequest(`${t.url}/missing`, { headers: { host: 'h.example', 'user-agent': 'ua/1' } });
    await new Promise((r) => setTimeout(r, 50));
    await t.close();
    await up.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const ok = new RegExp(
      String.raw`^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] h\.example "GET /logged\?q=1 HTTP/1\.1" 200 \d+ \d+\.\d{3} "http://r" "ua/1" ` +
        `${up.addr.replace(/\./g, '\\.')} 200 \\d+\\.\\d{3} "http://h\\.example/logged\\?q=1"$`,
    );
    expect(lines[0]).toMatch(ok);
    expect(lines[1]).toMatch(/ h\.example "GET \/missing HTTP\/1\.1" 404 36 \d+\.\d{3} "-" "ua\/1" - - - "http:\/\/h\.example"$/);
  });

  it('uses the documented APISIX default format string', () => {
    expect(DEFAULT_ACCESS_LOG_FORMAT).toBe(
      '$remote_addr - $remote_user [$time_local] $http_host "$request_line" $status $body_bytes_sent $request_time ' +
        '"$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time ' +
        '"$upstream_scheme://$upstream_host$upstream_uri"',
    );
  });
});
