/** Collects measured values and target checks for one run; renders markdown. */

/** One measured value (a median over repetitions unless the note says otherwise). */
export interface Measure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** One target of issue 7 with its measured value and verdict. */
export interface TargetCheck {
  scenario: string;
  target: string;
  measured: string;
  /** Measured relative to the goal's reference (e.g. 0.82 = 82 % of the undici proxy). */
  ratio: number | undefined;
  ratioOf?: string;
  pass: boolean | undefined;
  note?: string;
}

/** The run's results. */
export class Results {
  readonly measures: Measure[] = [];
  readonly targets: TargetCheck[] = [];
  readonly notes: string[] = [];
  /** Extra markdown sections (title, body) printed after the measurements. */
  readonly sections: Array<{ title: string; body: string }> = [];
  readonly raw: Record<string, unknown> = {};

  measure(scenario: string, name: string, value: number, unit: string, note?: string): number {
    this.measures.push({ scenario, name, value, unit, ...(note ? { note } : {}) });
    return value;
  }

  target(t: TargetCheck): void {
    this.targets.push(t);
  }

  note(s: string): void {
    this.notes.push(s);
  }

  section(title: string, body: string): void {
    this.sections.push({ title, body });
  }
}

/** Number formatting for tables: 3 significant digits, NaN as "n/a". */
export function fmt(x: number | undefined, unit = ''): string {
  if (x === undefined || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  const s = a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

const verdict = (p: boolean | undefined): string => (p === undefined ? 'skipped' : p ? 'met' : '**missed**');

/** Markdown: the targets table, then every measured value, then notes. */
export function renderMarkdown(r: Results, header: string): string {
  const out = [
    header,
    '',
    '## Targets',
    '',
    '| scenario | target | measured | ratio | verdict |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const t of r.targets) {
    const ratio = t.ratio === undefined ? '' : `${fmt(t.ratio)}${t.ratioOf ? ` × ${t.ratioOf}` : ''}`;
    out.push(`| ${t.scenario} | ${t.target} | ${t.measured}${t.note ? ` (${t.note})` : ''} | ${ratio} | ${verdict(t.pass)} |`);
  }
  out.push('', '## Measurements (medians over repetitions)', '', '| scenario | measure | value |', '| --- | --- | --- |');
  for (const m of r.measures) out.push(`| ${m.scenario} | ${m.name} | ${fmt(m.value, m.unit)}${m.note ? ` (${m.note})` : ''} |`);
  for (const sec of r.sections) out.push('', `## ${sec.title}`, '', sec.body);
  if (r.notes.length) out.push('', '## Notes', '', ...r.notes.map((n) => `* ${n}`));
  return out.join('\n') + '\n';
}
