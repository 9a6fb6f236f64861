import type { PorticoConf } from '@portico/conf';
import { allPlugins } from '@portico/plugins';
import { initPrometheusWorker } from '@portico/plugins/metrics';
import type { Logger } from '@portico/plugin-sdk';
import { startDataPlane, type DataPlane } from '../server/server.js';
import { drainDeadlineMs } from './deadline.js';
import { isPrimaryMessage, type WorkerToPrimary } from './messages.js';
import { RuntimeMonitor } from './runtime-stats.js';
import { createConfigStore } from './store.js';

/**
 * One data-plane worker: its own etcd watch and snapshot (as each nginx worker of APISIX
 * runs its own config sync), listening on the port shared through node:cluster. It loads the
 * configuration first and opens the port when the primary says so (once every worker has
 * loaded: an open port means a ready pod). Answers revision queries, and drains on the
 * primary's request or on a signal of its own (a terminal's Ctrl-C reaches the whole group).
 */
export async function runWorker(conf: PorticoConf, logger: Logger): Promise<void> {
  const send = (msg: WorkerToPrimary): void => {
    if (process.connected) process.send?.(msg);
  };
  const store = await createConfigStore(conf, logger);
  // prometheus: this worker's metric cells, reported to the primary that owns the pod's totals.
  const metrics = initPrometheusWorker(conf.pluginAttr.prometheus);
  // Memory and event-loop delay, reported with the revision (GET /status/revision).
  const runtime = new RuntimeMonitor();
  let dp: DataPlane | undefined;
  let stopping: Promise<void> | undefined;
  let drainAsked: number | undefined;
  const drain = (deadlineMs: number): void => {
    // A drain asked during start-up runs as soon as the data plane exists.
    if (dp === undefined) return void (drainAsked ??= deadlineMs);
    const running = dp;
    stopping ??= (async () => {
      await running.close({ deadlineMs });
      await metrics.flush();
      await store.close();
      process.exit(0);
    })();
  };
  // Installed before the (possibly long) start: an IPC message without a listener is lost.
  process.on('message', (msg: unknown) => {
    if (!isPrimaryMessage(msg)) return;
    if (msg.portico === 'revision?')
      send({ portico: 'revision', seq: msg.seq, revision: dp?.revision() ?? 0, runtime: runtime.stats() });
    else if (msg.portico === 'drain') drain(msg.deadlineMs);
    else if (dp !== undefined && stopping === undefined) {
      dp.listen().then(
        () => send({ portico: 'listening' }),
        (e: unknown) => {
          logger.error({ err: (e as Error).message }, 'data plane cannot listen');
          setTimeout(() => process.exit(1), 100);
        },
      );
    }
  });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => drain(drainDeadlineMs(conf)));

  dp = await startDataPlane(conf, { store, plugins: allPlugins, logger, deferListen: true });
  const running = dp;
  metrics.setNodeStats(() => running.nodeStats());
  send({ portico: 'started' });
  if (drainAsked !== undefined) return drain(drainAsked);
  const started = dp;
  void started.ready.then(() => send({ portico: 'ready', revision: started.revision() }));
}
