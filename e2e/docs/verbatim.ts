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
