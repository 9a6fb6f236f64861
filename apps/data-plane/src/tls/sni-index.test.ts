import { describe, expect, it } from 'vitest';
import { SniIndex } from './sni-index.js';

function index(entries: [string[], string][]): SniIndex<string> {
  const i = new SniIndex<string>();
  for (const [names, v] of entries) i.add(names, v);
  return i;
}

describe('SniIndex (radixtree_sni matching)', () => {
  it('prefers an exact name over a wildcard, case-insensitively', () => {
    const i = index([
      [['*.test.com'], 'wild'],
      [['WWW.test.com'], 'exact'],
    ]);
    expect(i.match('www.TEST.com')).toBe('exact');
    expect(i.match('api.test.com')).toBe('wild');
  });

  it('lets a wildcard cover exactly one label', () => {
    const i = index([[['*.test.com'], 'wild']]);
    expect(i.match('a.test.com')).toBe('wild');
    expect(i.match('a.b.test.com')).toBeUndefined();
    expect(i.match('test.com')).toBeUndefined();
  });

  it('picks the longest matching wildcard, and does not fall back past a longer one', () => {
    const i = index([
      [['*.test.com'], 'short'],
      [['*.b.test.com'], 'long'],
      [['*'], 'all'],
    ]);
    expect(i.match('a.b.test.com')).toBe('long');
    expect(i.match('x.test.com')).toBe('short');
    expect(i.match('x.y.test.com')).toBeUndefined();
    expect(i.match('other.org')).toBe('all');
  });

  it('keeps the first certificate registered for a name', () => {
    const i = index([
      [['a.com', 'b.com'], 'one'],
      [['b.com'], 'two'],
    ]);
    expect(i.match('b.com')).toBe('one');
    expect(i.size).toBe(2);
  });
});
