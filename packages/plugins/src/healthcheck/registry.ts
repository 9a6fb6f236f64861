/**
 * Running active health checkers of this process, by name (APISIX control API
 * `get_health_checkers`), for the prometheus `upstream_status` family.
 */
export interface CheckedTarget {
  /** APISIX checker name: the resource key plus the JSON path of the checked object. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  healthy(): boolean;
}

const running = new Set<CheckedTarget>();

/** Add a running checker; returns its removal. */
export function registerChecker(t: CheckedTarget): () => void {
  running.add(t);
  return () => void running.delete(t);
}

/** Every running checker of this process. */
export function runningCheckers(): Iterable<CheckedTarget> {
  return running;
}
