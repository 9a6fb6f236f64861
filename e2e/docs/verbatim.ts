import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory holding the seed documents (overridable for CI checkouts that keep them elsewhere). */
export const SEEDS_DIR = process.env.PORTICO_SEEDS_DIR ?? '/work/shared/seeds';

/** e2e/docs/fixtures — the verbatim copies of the doc blocks. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Seed file names, by role. */
export const SEEDS = {
  /** ai-proxy doc as scraped from the website (whitespace collapsed, no code fences). */
  aiProxyPage: '003_949530932cb18c92.txt',
  /** ai-proxy-multi doc markdown (clean). */
  aiProxyMultiMd: '002_9a65b94233c52dcb.txt',
  /** Newest ai-proxy-multi changes: an e-mailed, line-wrapped, whitespace-collapsed diff. */
  aiProxyMultiNewestDiff: '004_c06bfeae9b3c2a22.txt',
} as const;

/** Read a seed file as text. */
export function readSeed(name: string): string {
  return readFileSync(join(SEEDS_DIR, name), 'utf8');
}

/** Read a fixture (path relative to fixtures/). */
export function readFixture(rel: string): string {
  return readFileSync(join(FIXTURES_DIR, rel), 'utf8');
}

/** Collapse every whitespace run to one space: the scraped page and the e-mailed diff lost indentation and wrapping. */
export function normalise(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The "after" side of an e-mailed unified diff, normalised. The mail archive collapsed leading
 * whitespace, so context lines such as `  -H "X-API-KEY..."` now start with `-H`; only lines that
 * start with `- ` (a removed line whose content began with whitespace or a word) are dropped.
 */
export function diffAfterSide(diff: string): string {
  const kept = diff
    .split('\n')
    .filter((l) => !/^- /.test(l))
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? l.slice(1) : l));
  return normalise(kept.join('\n'));
}

/** Fenced ```shell / ```bash blocks of a markdown document, exact text without the fences. */
export function shellBlocks(markdown: string): string[] {
  const out: string[] = [];
  const re = /^```(?:shell|bash)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push(m[1] ?? '');
  return out;
}

/** e2e/docs — stored upstream docs live under sources/. */
export const DOCS_DIR = dirname(fileURLToPath(import.meta.url));

/** Read a stored upstream doc (path relative to e2e/docs). */
export function readSource(rel: string): string {
  return readFileSync(join(DOCS_DIR, rel), 'utf8');
}

// Tabs of the APISIX docs that configure the gateway through ADC or Kubernetes instead of the Admin API.
const OUT_OF_SCOPE_TABS = new Set(['adc', 'ingress', 'aic', 'gateway-api', 'apisix-crd']);

/**
 * The ```shell / ```bash blocks of an APISIX doc a user runs against the Admin API and the data
 * plane: blocks inside ADC / Ingress Controller tabs, and `adc sync` / `kubectl apply`, are left out.
 */
export function adminApiShellBlocks(markdown: string): string[] {
  const lines = markdown.split('\n');
  const tabs: string[] = [];
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    const open = /^\s*<TabItem value="([^"]+)"/.exec(l);
    if (open) tabs.push(open[1] ?? '');
    if (/^\s*<\/TabItem>/.test(l)) tabs.pop();
    if (!/^```(?:shell|bash)/.test(l)) continue;
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').startsWith('```')) j++;
    const body = `${lines.slice(i + 1, j).join('\n')}\n`;
    i = j;
    if (tabs.some((t) => OUT_OF_SCOPE_TABS.has(t)) || /kubectl apply|adc sync/.test(body)) continue;
    out.push(body);
  }
  return out;
}
