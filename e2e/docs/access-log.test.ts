import { describe, expect, it } from 'vitest';
import { diffFields, formatFromYaml, parseLine } from './access-log.js';
import { readFixture } from './verbatim.js';

const DOC_LINE =
  '192.168.215.1 - - [21/Mar/2025:04:28:03 +0000] api.openai.com "POST /anything HTTP/1.1" 200 804 2.858 "-" "curl/8.6.0" - - - "http://api.openai.com" "5c5e0b95f8d303cb81e4dc456a4b12d9" "ai_chat" "2858" "gpt-4" "23" "8"';

describe('access-log format parser', () => {
  it('reads the docs access_log_format out of the YAML snippet with quotes unescaped', () => {
    const f = formatFromYaml(readFixture('ai-proxy-multi/22-access-log-format.yaml'));
    expect(f.startsWith('$remote_addr - $remote_user [$time_local] $http_host "$request_line" $status')).toBe(true);
    expect(f.endsWith('"$llm_prompt_tokens" "$llm_completion_tokens"')).toBe(true);
  });

  it('parses the ai-proxy-multi doc example line with the doc format', () => {
    const f = formatFromYaml(readFixture('ai-proxy-multi/22-access-log-format.yaml'));
    const got = parseLine(f, DOC_LINE);
    expect(got).toBeDefined();
    expect(
      diffFields(got ?? {}, {
        remote_addr: '192.168.215.1',
        remote_user: '-',
        time_local: '21/Mar/2025:04:28:03 +0000',
        http_host: 'api.openai.com',
        request_line: 'POST /anything HTTP/1.1',
        status: '200',
        upstream_addr: '-',
        upstream_scheme: 'http',
        'upstream_host+upstream_uri': 'api.openai.com',
        apisix_request_id: /^[0-9a-f]{32}$/,
        request_type: 'ai_chat',
        llm_time_to_first_token: '2858',
        llm_model: 'gpt-4',
        llm_prompt_tokens: '23',
        llm_completion_tokens: '8',
      }),
    ).toEqual([]);
  });

  it('rejects a line that does not follow the format', () => {
    const f = formatFromYaml(readFixture('ai-proxy-multi/22-access-log-format.yaml'));
    expect(parseLine(f, '127.0.0.1 - - [x] host "GET / HTTP/1.1" 200 1 0.1')).toBeUndefined();
  });

  it('reports each differing field with expected and actual values', () => {
    expect(diffFields({ status: '500' }, { status: '200', llm_model: /gpt/ })).toEqual([
      '$status: expected 200, got "500"',
      '$llm_model: expected /gpt/, got undefined',
    ]);
  });
});
