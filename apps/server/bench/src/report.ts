/** The figures of one run, as written to the results file. */
export interface Figure {
  /** What was measured, as the table shows it. */
  name: string;
  value: number | null;
  unit: string;
  /** The issue's goal for it, when it has one. */
  target?: { op: '>=' | '<='; value: number };
  /** A note shown beside the figure (what it was compared with, how it was taken). */
  note?: string;
}

export function verdict(figure: Figure): 'pass' | 'MISS' | '' {
  if (!figure.target || figure.value === null) return '';
  const { op, value } = figure.target;
  return (op === '>=' ? figure.value >= value : figure.value <= value) ? 'pass' : 'MISS';
}

function format(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  const digits = unit === 'x' ? 2 : Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}${unit === 'x' ? 'x' : ` ${unit}`}`;
}

/** The results as a table: one line per figure, its target and whether the target is met. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    format(f.value, f.unit),
    f.target ? `${f.target.op} ${format(f.target.value, f.unit)}` : '',
    verdict(f),
    f.note ?? '',
  ]);
  const header = ['figure', 'value', 'target', '', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => `| ${f.name} | ${format(f.value, f.unit)} | ${f.target ? `${f.target.op} ${format(f.target.value, f.unit)}` : ''} | ${verdict(f)} | ${f.note ?? ''} |`);
  return ['| figure | value | target | | note |', '|---|--:|---|---|---|', ...rows].join('\n');
}
