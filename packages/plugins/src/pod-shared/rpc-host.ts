import cluster, { type Worker } from 'node:cluster';

// See channel.ts: a reply racing a worker's exit must not become an 'error' event.
const ignoreSendError = (): void => undefined;

/**
 * Answer one kind of pod-shared request in the cluster primary: every message from any
 * worker that `isRequest` accepts is handed to `answer` and its reply sent back to that
 * worker. Listens on cluster's 'message' event, so workers forked or restarted later are
 * served too. Returns the function that stops answering.
 */
export function servePodRequests<Req>(
  isRequest: (v: unknown) => v is Req,
  answer: (req: Req) => Promise<object> | object,
): () => void {
  if (!cluster.isPrimary) throw new Error('pod-shared state must be hosted by the cluster primary');
  const onMessage = (worker: Worker, msg: unknown): void => {
    if (!isRequest(msg)) return;
    // `answer` replies with its errors; a throw left unanswered becomes the worker's timeout
    // rather than an unhandled rejection in the primary.
    void Promise.resolve()
      .then(() => answer(msg))
      .then(
        (reply) => {
          if (worker.isConnected()) worker.send(reply, undefined, undefined, ignoreSendError);
        },
        () => undefined,
      );
  };
  cluster.on('message', onMessage);
  return () => void cluster.off('message', onMessage);
}
