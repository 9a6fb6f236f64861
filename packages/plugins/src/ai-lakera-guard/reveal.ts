/**
 * The client-facing list of detectors that fired (`reveal_failure_categories`): only
 * entries with `detected` set, as "detector_type (result)" or "detector_type".
 */
export function firedDetectors(breakdown: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const e of breakdown ?? []) {
    if (typeof e !== 'object' || e === null) continue;
    const entry = e as { detected?: unknown; detector_type?: unknown; result?: unknown };
    if (!entry.detected || (typeof entry.detector_type !== 'string' && typeof entry.detector_type !== 'number')) continue;
    const result = entry.result;
    out.push(
      (typeof result === 'string' || typeof result === 'number') && result !== ''
        ? `${entry.detector_type} (${result})`
        : String(entry.detector_type),
    );
  }
  return out;
}

/** The deny text, with ". Flagged categories: a, b" when revealing and something fired. */
export function denyText(message: string, reveal: boolean, breakdown: readonly unknown[] | undefined): string {
  if (!reveal) return message;
  const parts = firedDetectors(breakdown);
  return parts.length > 0 ? `${message}. Flagged categories: ${parts.join(', ')}` : message;
}
