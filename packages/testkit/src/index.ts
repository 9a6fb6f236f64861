export { startEtcd, startEtcdCluster, type EtcdProcess, type EtcdCluster, type StartEtcdOptions } from './etcd.js';
export { startRedis, type RedisProcess, type StartRedisOptions } from './redis.js';
export * from './mock-llm/index.js';
export { freePort, waitForPort, type WaitForPortOptions } from './ports.js';
export { spawnProcess, tailFile, type ManagedProcess, type SpawnOptions, type ExitInfo } from './process.js';
export {
  startPortico,
  projectRoot,
  appEntries,
  type StartPorticoOptions,
  type PorticoApps,
  type DataPlaneHandle,
} from './apps.js';
export { startRedisCluster, type RedisCluster, type StartRedisClusterOptions } from './redis-cluster.js';
export { startVault, type VaultServer } from './vault.js';
export { createTestCa, type TestCa } from './pki.js';
export { startKafka, kafkaLibs, type KafkaProcess, type StartKafkaOptions } from './kafka.js';
export { startRedisSentinel, type RedisSentinel, type StartRedisSentinelOptions } from './redis-sentinel.js';
// ai-routing: fault-injecting mock provider (issue 15).
export * from './mock-faults/index.js';
// AI guard service mocks (issue 14, branch ai-guards)
export {
  defaultScore,
  segmentScore,
  startMockComprehend,
  type ComprehendCall,
  type MockComprehend,
  type MockComprehendOptions,
  type SegmentScore,
} from './mock-comprehend/index.js';
export { lakeraVerdict, startMockLakera, type LakeraCall, type MockLakera, type MockLakeraOptions } from './mock-lakera/index.js';
export * from './mock-bedrock/index.js';
