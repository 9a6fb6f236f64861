import { describe, expect, it } from 'vitest';
import { UpstreamFacts } from './upstream-facts.js';

describe('UpstreamFacts (the $upstream_* report)', () => {
  it('records one try as nginx writes it: addr, host, status, header and response time in seconds', () => {
    const u = new UpstreamFacts();
    u.exchange('https', '/v1/chat?x=1');
    u.attempt('10.0.0.1:443', 'api.example.com');
    u.responded(200, 12.4);
    u.finished(120.6);
    const { scheme, uri, host, addr, status, headerTime, responseTime } = u;
    expect({ scheme, uri, host, addr, status, headerTime, responseTime }).toEqual({
      scheme: 'https',
      uri: '/v1/chat?x=1',
      host: 'api.example.com',
      addr: '10.0.0.1:443',
      status: '200',
      headerTime: '0.012',
      responseTime: '0.121',
    });
  });

  it('joins retries with ", " (a failed try then a served one)', () => {
    const u = new UpstreamFacts();
    u.exchange('http', '/');
    u.attempt('10.0.0.1:80', 'h');
    u.failed(502, 3);
    u.attempt('10.0.0.2:80', 'h');
    u.responded(200, 5);
    u.finished(7);
    expect([u.addr, u.status, u.responseTime]).toEqual(['10.0.0.1:80, 10.0.0.2:80', '502, 200', '0.003, 0.007']);
    expect(u.headerTime).toBe('-, 0.005');
  });

  it('keeps the last response time of a try that reports it as a stream goes on', () => {
    const u = new UpstreamFacts();
    u.exchange('http', '/');
    u.attempt('a:80', 'a');
    u.finished(10);
    u.finished(250);
    expect(u.responseTime).toBe('0.250');
  });

  it('reads as the tries so far while a new try has not reported yet', () => {
    const u = new UpstreamFacts();
    u.exchange('http', '/');
    u.attempt('a:80', 'a');
    u.failed(502, 3);
    u.attempt('b:80', 'b');
    expect([u.status, u.headerTime, u.responseTime]).toEqual(['502', '-', '0.003']);
    u.responded(200, 5);
    expect([u.status, u.headerTime, u.responseTime]).toEqual(['502, 200', '-, 0.005', '0.003']);
  });

  it('starts over on a new exchange (an AI fallback to another instance)', () => {
    const u = new UpstreamFacts();
    u.exchange('https', '/one');
    u.attempt('a:443', 'a');
    u.responded(500, 1);
    u.finished(2);
    u.exchange('https', '/two');
    u.attempt('b:443', 'b');
    u.responded(200, 4);
    expect([u.uri, u.addr, u.status, u.responseTime]).toEqual(['/two', 'b:443', '200', undefined]);
  });
});
