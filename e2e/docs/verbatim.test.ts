import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from './catalog.js';
import { APISIX_AI_CATALOG, APISIX_DOCS, APISIX_DOCS_TAG, sourceOf } from './catalog-apisix.js';
import {
  adminApiShellBlocks,
  diffAfterSide,
  FIXTURES_DIR,
  normalise,
  readFixture,
  readSeed,
  readSource,
  SEEDS,
  shellBlocks,
} from './verbatim.js';

// Proves the checked-in fixtures are the docs' text, so the executable suite runs what users copy.
describe('doc fixtures are verbatim copies of the seed docs', () => {
  for (const e of CATALOG) {
    it(`${e.fixture} appears in ${e.provenance.seed} (${e.provenance.kind})`, () => {
      const text = readFixture(e.fixture);
      const p = e.provenance;
      if (p.kind === 'apisix-doc') {
        expect(readSource(p.seed).includes(text), `not byte-exact in apisix ${p.tag}:${p.path}`).toBe(true);
      } else if (p.kind === 'exact') {
        expect(readSeed(p.seed).includes(text), 'not byte-exact in the seed').toBe(true);
      } else if (p.kind === 'normalised') {
        expect(normalise(readSeed(p.seed)).includes(normalise(text)), 'not in the normalised seed').toBe(true);
      } else if (p.kind === 'diff-added') {
        expect(diffAfterSide(readSeed(p.seed)).includes(normalise(text)), 'not in the diff after-side').toBe(true);
      } else {
        // The fix line is printed by the diff, the fixture is exactly base + that one-line fix,
        // and the diff's text around the fix reads the same in the fixture.
        const base = readFixture(p.base);
        expect(base.split('\n')).toContain(p.from);
        expect(text).toBe(base.replace(p.from, p.to));
        const after = diffAfterSide(readSeed(p.seed));
        expect(after.includes(normalise(p.to)), 'fix line not in the diff').toBe(true);
        expect(after.includes(normalise(p.anchor)), 'anchor not in the diff').toBe(true);
        expect(normalise(text)).toContain(normalise(p.anchor));
      }
    });
  }

  it('every ```shell/```bash block of the ai-proxy-multi markdown (002) has a fixture', () => {
    const fixtures = CATALOG.filter((e) => e.provenance.kind === 'exact').map((e) => readFixture(e.fixture));
    const missing = shellBlocks(readSeed(SEEDS.aiProxyMultiMd)).filter((b) => !fixtures.includes(b));
    expect(missing).toEqual([]);
  });

  it('every curl / export / admin_key command of the ai-proxy page (003) has a fixture', () => {
    const page = readSeed(SEEDS.aiProxyPage);
    const fixtures = CATALOG.filter((e) => e.fixture.startsWith('ai-proxy/')).map((e) => readFixture(e.fixture));
    for (const cmd of ['curl "http://127.0.0.1:', 'export ', 'admin_key=$(yq']) {
      const inPage = page.split(cmd).length - 1;
      const inFixtures = fixtures.reduce((n, f) => n + f.split(cmd).length - 1, 0);
      expect({ cmd, count: inFixtures }).toEqual({ cmd, count: inPage });
    }
  });

  it('the newest diff adds exactly the logging example as a new Admin API block', () => {
    const after = diffAfterSide(readSeed(SEEDS.aiProxyMultiNewestDiff));
    expect(after).toContain(normalise('"kafka_topic": "test2", "key": "key1", "batch_max_size": 1'));
  });

  for (const doc of APISIX_DOCS) {
    it(`every Admin API / data-plane shell block of apisix ${APISIX_DOCS_TAG} ${doc}.md has a fixture, in doc order`, () => {
      const src = readSource(sourceOf(doc).stored);
      const fixtures = APISIX_AI_CATALOG.filter((e) => e.fixture.startsWith(`${doc}/`)).map((e) => readFixture(e.fixture));
      expect(fixtures).toEqual(adminApiShellBlocks(src));
    });

    it(`the stored ${doc}.md keeps its Apache-2.0 license header`, () => {
      expect(readSource(sourceOf(doc).stored)).toContain(
        'The ASF licenses this file to You under the Apache License, Version 2.0',
      );
    });
  }

  it('every fixture file on disk is in the catalog', () => {
    const onDisk = readdirSync(FIXTURES_DIR).flatMap((d) => readdirSync(join(FIXTURES_DIR, d)).map((f) => `${d}/${f}`));
    expect(onDisk.sort()).toEqual(CATALOG.map((e) => e.fixture).sort());
  });
});
