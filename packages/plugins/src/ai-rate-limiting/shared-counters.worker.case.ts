// A cluster worker of shared-counters.test.ts: it runs the plugin's own `policy: local` store
// selection and performs the counter calls the test process (its primary) asks for.
import { SharedCounterClient, SharedCounterError } from './store/ipc-client.js';
import { localPolicyStore } from './store/select.js';

/** test → worker: one `incoming` call on the policy-local store. */
export interface FixtureCall {
  fixture: 'incoming';
  seq: number;
  key: string;
  window: number;
  cost: number;
}

/** worker → test: its start, or a call's outcome. */
export type FixtureReport =
  | { fixture: 'up'; shared: boolean }
  | { fixture: 'result'; seq: number; consumed: number; ttlMs: number }
  | { fixture: 'result'; seq: number; error: string; code: string };

const store = localPolicyStore();
const report = (m: FixtureReport): void => void process.send?.(m);

process.on('message', (msg: unknown) => {
  const m = msg as Partial<FixtureCall> | null;
  if (m?.fixture !== 'incoming') return;
  const call = m as FixtureCall;
  Promise.resolve(store.incoming(call.key, call.window, call.cost)).then(
    (s) => report({ fixture: 'result', seq: call.seq, consumed: s.consumed, ttlMs: s.ttlMs }),
    (e: unknown) =>
      report({
        fixture: 'result',
        seq: call.seq,
        error: (e as Error).message,
        code: e instanceof SharedCounterError ? e.code : 'other',
      }),
  );
});
report({ fixture: 'up', shared: store instanceof SharedCounterClient });
