import { describe, expect, it } from 'vitest';
import { denyText, firedDetectors } from './reveal.js';

const breakdown = [
  { detector_type: 'prompt_attack', detected: true, result: 'l1_confident' },
  { detector_type: 'pii', detected: false },
  { detector_type: 'moderated_content/hate', detected: true },
  'junk',
];

describe('revealed categories', () => {
  it('lists only detectors that fired, with their result when present', () => {
    expect(firedDetectors(breakdown)).toEqual(['prompt_attack (l1_confident)', 'moderated_content/hate']);
  });

  it('appends them to the deny message only when revealing and something fired', () => {
    expect(denyText('Blocked', true, breakdown)).toBe(
      'Blocked. Flagged categories: prompt_attack (l1_confident), moderated_content/hate',
    );
    expect(denyText('Blocked', false, breakdown)).toBe('Blocked');
    expect(denyText('Blocked', true, [{ detector_type: 'pii', detected: false }])).toBe('Blocked');
    expect(denyText('Blocked', true, undefined)).toBe('Blocked');
  });
});
