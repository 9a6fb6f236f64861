import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './apps.js';
import { freePort } from './ports.js';

/**
 * A real single-node Apache Kafka broker (KRaft: broker + controller in one JVM) owned by a
 * test, on loopback. Its jars come from Maven Central via scripts/kafka/resolve.sh (once,
 * cached in .cache/kafka); its storage is formatted in a temp dir that survives stop/start,
 * so messages written before an outage are still there after it.
 */
export interface KafkaProcess {
  /** The PLAINTEXT listener clients use. */
  port: number;
  /** `127.0.0.1:<port>` */
  bootstrap: string;
  /** The temp dir: server.properties, data/, broker.log. */
  dir: string;
  /** SIGTERM (controlled shutdown) and wait for exit; the ports stay reserved for `start`. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** (Re)start on the same ports and storage, resolving once the broker answers ApiVersions. */
  start(): Promise<void>;
  /** Kill and remove the temp dir. */
  cleanup(): Promise<void>;
  /** The broker's log so far (WARN and above). */
  log(): string;
}

export interface StartKafkaOptions {
  /** Client port (default: a free one). The seed docs use 9092. */
  port?: number;
  /** Java binary (default /usr/bin/java, overridable with PORTICO_JAVA_BIN). */
  java?: string;
  /** Max time to wait for the broker (default 60000: a cold JVM on a busy 2-core machine). */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let hooked = false;
let resolved: Promise<string> | undefined;

/** The broker's classpath directory: resolved once per process (and cached on disk across runs). */
export function kafkaLibs(): Promise<string> {
  resolved ??= new Promise((resolve, reject) => {
    const script = join(projectRoot, 'scripts/kafka/resolve.sh');
    execFile('bash', [script], { maxBuffer: 16 << 20, timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/kafka/resolve.sh failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
  });
  return resolved;
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as `kafka-storage
 * random-uuid`). Like Kafka's Uuid.randomUuid, never one starting with `-`: the storage tool
 * would read it as an option.
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

const LOG4J2 = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="\${sys:kafka.logs.dir}/broker.log">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="file"/></Root>
  </Loggers>
</Configuration>
`;

function javaArgs(libs: string, dir: string): string[] {
  // Small heap, serial GC and C1 only: the broker handles a few messages, and shares 2 cores.
  return [
    '-Xms64m',
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${dir}`,
    `-Dlog4j2.configurationFile=${join(dir, 'log4j2.xml')}`,
    '-cp',
    `${libs}/*`,
  ];
}

function run(java: string, args: string[], dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(java, args, { cwd: dir, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${args.slice(-6).join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`.slice(0, 4000)));
      else resolve();
    });
  });
}

/** Start a single-node KRaft broker on loopback and wait until it answers ApiVersions. */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaProcess> {
  const java = opts.java ?? process.env.PORTICO_JAVA_BIN ?? '/usr/bin/java';
  const libs = await kafkaLibs();
  const port = opts.port ?? (await freePort());
  const controllerPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'portico-kafka-'));
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties(port, controllerPort, join(dir, 'data')));
  writeFileSync(join(dir, 'log4j2.xml'), LOG4J2);
  await run(java, [...javaArgs(libs, dir), 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props], dir);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const running = (): boolean => !!child && child.exitCode === null && child.signalCode === null;
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || !running()) return;
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const log = (): string => {
    try {
      return readFileSync(join(dir, 'broker.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const proc: KafkaProcess = {
    port,
    bootstrap: `127.0.0.1:${port}`,
    dir,
    async start() {
      if (running()) return;
      const out = openSync(join(dir, 'stdout.log'), 'a');
      const c = spawn(java, [...javaArgs(libs, dir), 'kafka.Kafka', props], { cwd: dir, stdio: ['ignore', out, out] });
      closeSync(out);
      child = c;
      live.add(c);
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      void exited.then(() => live.delete(c));
      c.once('error', () => undefined);
      const timeout = opts.readyTimeoutMs ?? 60_000;
      const deadline = Date.now() + timeout;
      while (Date.now() < deadline) {
        if (!running()) throw new Error(`kafka on ${port} exited during startup:\n${log().slice(-3000)}`);
        if (await apiVersionsOk(port)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`kafka on ${port} did not answer ApiVersions within ${timeout}ms:\n${log().slice(-3000)}`);
    },
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
    async cleanup() {
      await waitExit('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
  try {
    await proc.start();
  } catch (err) {
    await proc.cleanup();
    throw err;
  }
  return proc;
}

/**
 * One ApiVersions v0 request over a raw socket (no client library needed): true when the
 * broker answers with error_code 0, i.e. its request handlers are up.
 */
function apiVersionsOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('close', () => done(false));
    s.once('connect', () => {
      const clientId = Buffer.from('portico-testkit');
      // request header v1: api_key=18 (ApiVersions), api_version=0, correlation_id=1, client_id
      const body = Buffer.alloc(10 + clientId.length);
      body.writeInt16BE(18, 0);
      body.writeInt16BE(0, 2);
      body.writeInt32BE(1, 4);
      body.writeInt16BE(clientId.length, 8);
      clientId.copy(body, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length, 0);
      s.write(Buffer.concat([size, body]));
    });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      // size(4) correlation_id(4) error_code(2)
      if (buf.length >= 10) done(buf.readInt32BE(4) === 1 && buf.readInt16BE(8) === 0);
    });
  });
}
