// Reads a Kafka topic back from its first offset with @platformatic/kafka (the client the
// plugin uses), for asserting what kafka-logger delivered. Shared by e2e/kafka and e2e/docs.
import { Consumer, MessagesStreamModes, stringDeserializers } from '@platformatic/kafka';

/** One message as read back. */
export interface ReadMessage {
  key: string | undefined;
  value: string;
  partition: number;
  offset: bigint;
}

/** A running read of one topic from its first offset. */
export interface TopicReader {
  readonly messages: ReadMessage[];
  /** Resolve with the messages once at least `n` arrived; reject after `ms`. */
  waitFor(n: number, ms?: number): Promise<ReadMessage[]>;
  close(): Promise<void>;
}

let group = 0;

/** Start reading `topic` on `bootstrap` (host:port) from the earliest offset, in a fresh group. */
export async function readTopic(bootstrap: string, topic: string): Promise<TopicReader> {
  const consumer = new Consumer({
    clientId: 'portico-e2e-reader',
    groupId: `portico-e2e-${process.pid}-${++group}-${Date.now()}`,
    bootstrapBrokers: [bootstrap],
    deserializers: stringDeserializers,
    autocreateTopics: true,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
    maxWaitTime: 200,
  });
  const messages: ReadMessage[] = [];
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  stream.on('data', (m: { key: string | undefined; value: string; partition: number; offset: bigint }) => {
    messages.push({ key: m.key || undefined, value: m.value, partition: m.partition, offset: m.offset });
  });
  stream.on('error', () => undefined);
  return {
    messages,
    async waitFor(n, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (messages.length < n) {
        if (Date.now() > deadline) throw new Error(`topic ${topic}: ${messages.length} of ${n} messages after ${ms}ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    async close() {
      await stream.close().catch(() => undefined);
      // force: leave the group without waiting for in-flight fetches
      await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
    },
  };
}
