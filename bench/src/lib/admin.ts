import { request } from 'undici';

/** PUT an APISIX Admin API resource (e.g. `routes/1`), throwing on a non-2xx answer. */
export async function adminPut(adminUrl: string, key: string, path: string, body: unknown): Promise<void> {
  const res = await request(`${adminUrl}/apisix/admin/${path}`, {
    method: 'PUT',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`PUT ${path}: ${res.statusCode} ${text.slice(0, 400)}`);
}

/** One request; resolves with status and body text (connection errors give status 0). */
export async function fetchText(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  try {
    const res = await request(url, {
      method: (init.method ?? (init.body ? 'POST' : 'GET')) as 'GET',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body ?? null,
    });
    return { status: res.statusCode, body: await res.body.text() };
  } catch (e) {
    return { status: 0, body: (e as Error).message };
  }
}

/** Poll `check` every `everyMs` until it returns true; false after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Resident set size in MB of a process and all its descendants (the data plane is a cluster
 * primary plus workers), from Linux /proc; NaN when unknown.
 */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const one = async (p: number): Promise<number> => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  const children = async (p: number): Promise<number[]> => {
    try {
      const text = await readFile(`/proc/${p}/task/${p}/children`, 'utf8');
      return text.split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    total += await one(p);
    queue.push(...(await children(p)));
  }
  return total > 0 ? total : Number.NaN;
}

/**
 * CPU seconds (user + system) used so far by a process and all its descendants, from Linux
 * /proc/<pid>/stat (clock ticks of 1/100 s); NaN when unknown. Less sensitive to other load on a
 * shared machine than throughput: the work per request stays the same when the CPU is contended.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const one = async (p: number): Promise<number> => {
    try {
      const stat = await readFile(`/proc/${p}/stat`, 'utf8');
      // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return 0;
    }
  };
  const children = async (p: number): Promise<number[]> => {
    try {
      return (await readFile(`/proc/${p}/task/${p}/children`, 'utf8')).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    total += await one(p);
    queue.push(...(await children(p)));
  }
  return total > 0 ? total : Number.NaN;
}
