import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { entry } from './catalog.js';
import { createTestPki, type TestPki } from './pki.js';
import { startProviders, TEST_KEYS, type ProviderRequest, type Providers } from './providers.js';
import { record, type ReportRow } from './report.js';
import { installCurlObserver, runBash, type ShellResult } from './shell.js';
import { startStack, type DocsStack } from './stack.js';
import { readFixture } from './verbatim.js';

/** What a report row needs to name a step. */
export interface Example {
  fixture: string;
  doc: string;
  section: string;
}

/** A doc block's run: what bash printed plus what the impersonated providers received meanwhile. */
export interface StepRun extends ShellResult {
  entry: Example;
  /** The exact script handed to bash. */
  script: string;
  upstream: ProviderRequest[];
}

const PLACEHOLDER = /^export ([A-Z_]+)=<your-api-key>$/;
/**
 * Credential placeholders of the APISIX 3.18 AI-plugin docs' `export` lines: `<YOUR_OPENAI_API_KEY>`,
 * `your-openai-api-key`, `your-aws-access-key-id`, `your-lakera-api-key`, ... Only variables that hold
 * a credential (a TEST_KEYS name) are filled; anything else (e.g. LAKERA_PROJECT_ID) runs as printed.
 */
const EXPORT_PLACEHOLDER = /^export ([A-Z_]+)=(<[A-Za-z_-]+>|your-[a-z-]+)$/gm;
const CAPTURED = [
  'admin_key',
  ...Object.keys(TEST_KEYS),
  // Variables the APISIX AI-plugin docs export for later blocks.
  'ALLOW_PATTERN_1',
  'DENY_PATTERN_1',
  'LAKERA_PROJECT_ID',
];
const VAR_MARK = '@@docs-e2e-var ';

/** Pause after an Admin API write, as a reader would, so the data plane has applied the etcd event. */
const SETTLE_MS = 400;

/** One doc walk-through: providers, Portico and a shell state (admin_key, exported keys) shared across blocks. */
export class DocSession {
  readonly vars: Record<string, string> = {};
  /** Doc name used for derived (non-doc) rows of this session. */
  doc = 'derived';
  private readonly observerBin: string;

  private constructor(
    readonly stack: DocsStack,
    readonly providers: Providers,
    readonly pki: TestPki,
  ) {
    this.observerBin = installCurlObserver(stack.dir);
    // Variables the multi doc uses without an `export` line of its own (it assumes the reader has them).
    for (const k of ['YOUR_LLM_API_KEY', 'YOUR_LLM_MODEL'] as const) this.vars[k] = TEST_KEYS[k];
  }

  /** Generate the PKI, start the providers on :443 and Portico (etcd, :9180, :9080). */
  static async start(opts: { extraYaml?: string; exportKeys?: boolean } = {}): Promise<DocSession> {
    const pkiDir = mkdtempSync(join(tmpdir(), 'portico-docs-pki-'));
    const pki = createTestPki(pkiDir);
    const providers = await startProviders(pki);
    try {
      const stack = await startStack({ caFile: pki.caFile, extraYaml: opts.extraYaml });
      const s = new DocSession(stack, providers, pki);
      // The multi doc never prints `export OPENAI_API_KEY=...`; the reader already has the keys set.
      if (opts.exportKeys)
        for (const k of ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY', 'AZ_OPENAI_API_KEY'] as const) s.vars[k] = TEST_KEYS[k];
      return s;
    } catch (e) {
      await providers.close();
      throw e;
    }
  }

  /** Environment of every block: the shell variables so far, and the test CA for any TLS client. */
  env(): Record<string, string> {
    return {
      ...this.vars,
      CURL_CA_BUNDLE: this.pki.caFile,
      SSL_CERT_FILE: this.pki.caFile,
      NODE_EXTRA_CA_CERTS: this.pki.caFile,
    };
  }

  /** Run a catalog fixture with bash exactly as printed (only `<your-api-key>` gets a test value). */
  async run(fixture: string, inline?: { placeholder: string; key: keyof typeof TEST_KEYS }): Promise<StepRun> {
    const e = entry(fixture);
    let script = readFixture(fixture);
    const ph = PLACEHOLDER.exec(script.trim());
    if (ph) script = script.replace('<your-api-key>', TEST_KEYS[ph[1] as keyof typeof TEST_KEYS] ?? 'test-key');
    else if (e.provenance.kind === 'apisix-doc') {
      script = script.replace(EXPORT_PLACEHOLDER, (line, name: string) =>
        name in TEST_KEYS ? `export ${name}=${TEST_KEYS[name as keyof typeof TEST_KEYS]}` : line,
      );
    }
    // A key printed inside a JSON body (e.g. `"Authorization": "Bearer <your-api-key>"`), filled when the suite says so.
    if (inline) script = script.split(inline.placeholder).join(TEST_KEYS[inline.key]);
    return this.exec(e, script);
  }

  /** Run a non-doc command (a labelled substitute or derived check) in the same shell state. */
  async runDerived(id: string, section: string, script: string): Promise<StepRun> {
    return this.exec({ fixture: id, doc: this.doc, section }, script);
  }

  private async exec(e: Example, script: string): Promise<StepRun> {
    const mark = this.providers.requests.length;
    // Capture the variables a block may set (admin_key=..., export X=...) for later blocks.
    const trailer = CAPTURED.map((v) => `printf '\\n${VAR_MARK}%s=%s\\n' ${v} "\${${v}-}" >&2`).join('\n');
    const res = await runBash(`${script}\n${trailer}\n`, { cwd: this.stack.dir, env: this.env(), observerBin: this.observerBin });
    const stderr: string[] = [];
    for (const line of res.stderr.split('\n')) {
      if (!line.startsWith(VAR_MARK)) {
        stderr.push(line);
        continue;
      }
      const [k, ...v] = line.slice(VAR_MARK.length).split('=');
      const value = v.join('=');
      if (k && value !== '') this.vars[k] = value;
    }
    if (/9180\/apisix\/admin/.test(script)) await new Promise((r) => setTimeout(r, SETTLE_MS));
    return { ...res, stderr: stderr.join('\n').trim(), entry: e, script, upstream: this.providers.since(mark) };
  }

  async stop(): Promise<void> {
    await this.stack.stop();
    await this.providers.close();
    rmSync(dirname(this.pki.caFile), { recursive: true, force: true });
  }
}

/** Record a row for a doc block (or derived check) and return its differences for the test assertion. */
export function report(
  run: Pick<StepRun, 'entry'> | { id: string; doc: string; section: string },
  details: string[],
  note?: string,
): string[] {
  const base = 'entry' in run ? { id: run.entry.fixture, doc: run.entry.doc, section: run.entry.section } : run;
  const row: ReportRow = { ...base, result: details.length === 0 ? 'PASS' : 'FAIL', details, ...(note ? { note } : {}) };
  record(row);
  return details;
}
