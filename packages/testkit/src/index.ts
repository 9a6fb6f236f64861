// Test helpers shared by unit, e2e and bench code: real etcd/redis processes, free ports,
// app processes and mock LLM servers. Each area adds its export line here.
export {};
