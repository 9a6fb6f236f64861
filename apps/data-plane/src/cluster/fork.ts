import cluster from 'node:cluster';
import type { ForkWorker } from './pool.js';

/**
 * Fork real node:cluster workers running this same entry file, with their slot in the env.
 *
 * SCHED_NONE: every worker accepts on the shared listening socket itself (as nginx workers
 * do), instead of node's default round-robin where the primary accepts each connection and
 * passes it over IPC. Round-robin loses a connection handed to a worker that has just crashed
 * (the client hangs until its own timeout) and puts every accept through the primary.
 * NODE_CLUSTER_SCHED_POLICY=rr (node's own switch) keeps round-robin.
 */
export const clusterFork: ForkWorker = (slot) => {
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const w = cluster.fork({ PORTICO_WORKER_ID: String(slot) });
  // A send racing the worker's exit fails with EPIPE / ERR_IPC_CHANNEL_CLOSED: the exit
  // handler deals with the worker, the error itself carries nothing.
  w.on('error', () => undefined);
  return {
    pid: w.process.pid ?? 0,
    send: (msg) => {
      if (w.isConnected()) w.send(msg);
    },
    onMessage: (fn) => void w.on('message', fn),
    onExit: (fn) => void w.on('exit', fn),
    kill: (signal) => void w.process.kill(signal),
  };
};
