import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url } from './base64.js';

describe('nginx base64 decoding', () => {
  it('decodes with or without padding and ignores what follows the first "="', () => {
    expect(decodeBase64('Zm9vOmJhcg==')?.toString()).toBe('foo:bar');
    expect(decodeBase64('Zm9vOmJhcg')?.toString()).toBe('foo:bar');
    expect(decodeBase64('Zm9v=anything!')?.toString()).toBe('foo');
  });

  it('refuses characters outside the alphabet and lengths of 4n+1', () => {
    expect(decodeBase64('Zm9v!')).toBeUndefined();
    expect(decodeBase64(' Zm9v')).toBeUndefined();
    expect(decodeBase64('Zm9vY')).toBeUndefined();
    expect(decodeBase64('a-b_')).toBeUndefined();
  });

  it('uses the URL alphabet for base64url', () => {
    expect(decodeBase64Url('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64Url('+/8')).toBeUndefined();
  });
});
