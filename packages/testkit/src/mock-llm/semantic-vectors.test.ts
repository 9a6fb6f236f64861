import { describe, expect, it } from 'vitest';
import { bagOfWordsVector } from './semantic-vectors.js';

const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const sim = (x: string, y: string) => cos(bagOfWordsVector(x, 256), bagOfWordsVector(y, 256));

describe('bagOfWordsVector', () => {
  it('gives paraphrases a high cosine similarity', () => {
    expect(sim('What is the capital of France?', "Tell me France's capital city")).toBeGreaterThan(0.8);
    expect(sim('What is the capital of France?', 'What is the capital of France, please?')).toBeCloseTo(1, 5);
  });

  it('gives unrelated prompts a low cosine similarity', () => {
    expect(sim('What is the capital of France?', 'How do I fix a flat bicycle tire?')).toBeLessThan(0.3);
    expect(sim('Write a python function to sort a list', 'What is the capital of France?')).toBeLessThan(0.3);
  });

  it('is unit length and deterministic', () => {
    const v = bagOfWordsVector('hello world', 16);
    expect(cos(v, v)).toBeCloseTo(1, 6);
    expect(bagOfWordsVector('hello world', 16)).toEqual(v);
  });
});
