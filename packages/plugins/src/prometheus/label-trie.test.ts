import { describe, expect, it } from 'vitest';
import { LabelTrie } from './label-trie.js';

describe('LabelTrie', () => {
  it('returns the same leaf for the same value sequence and a new one for another', () => {
    const t = new LabelTrie<object>();
    const a = t
      .begin()
      .step('200')
      .step('r1')
      .leaf(() => ({}));
    expect(
      t
        .begin()
        .step('200')
        .step('r1')
        .leaf(() => ({})),
    ).toBe(a);
    expect(
      t
        .begin()
        .step('200')
        .step('r2')
        .leaf(() => ({})),
    ).not.toBe(a);
    // "a" + "bc" and "ab" + "c" are different sequences (no string joining).
    const x = t
      .begin()
      .step('a')
      .step('bc')
      .leaf(() => ({ k: 1 }));
    expect(
      t
        .begin()
        .step('ab')
        .step('c')
        .leaf(() => ({ k: 2 })),
    ).not.toBe(x);
  });

  it('starts over past its bound', () => {
    const t = new LabelTrie<object>(2);
    const a = t
      .begin()
      .step('a')
      .leaf(() => ({}));
    t.begin()
      .step('b')
      .leaf(() => ({}));
    t.begin()
      .step('c')
      .leaf(() => ({}));
    expect(
      t
        .begin()
        .step('a')
        .leaf(() => ({})),
    ).not.toBe(a);
  });
});
