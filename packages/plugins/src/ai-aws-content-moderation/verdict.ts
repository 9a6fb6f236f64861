/**
 * The moderation verdict of scored segments (APISIX detect_batch): per result in order, the
 * first configured category whose score is above its threshold, then the toxicity score
 * above `moderation_threshold`. Strictly greater: a score equal to the threshold passes.
 */
import type { ToxicityResult } from './comprehend.js';

export type Thresholds = ReadonlyMap<string, number>;

/** The deny reason ("<subject> exceeds <what> threshold"), or undefined when clean. */
export function verdict(
  results: readonly ToxicityResult[],
  categories: Thresholds,
  toxicityThreshold: number,
  subject: string,
): string | undefined {
  for (const r of results) {
    for (const label of r.Labels) {
      const t = categories.get(label.Name);
      if (t !== undefined && label.Score > t) return `${subject} exceeds ${label.Name} threshold`;
    }
    if (r.Toxicity > toxicityThreshold) return `${subject} exceeds toxicity threshold`;
  }
  return undefined;
}
