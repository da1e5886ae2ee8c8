import type { DocumentedPair } from '../spec/matrix.js';
import { pairKey } from '../spec/matrix.js';
import type { Source, Tally } from './coverage.js';

const sources: readonly Source[] = ['scenario', 'auth', 'isolation', 'fuzz'];

/** The end-of-run table: every documented (operation, status), how often each part of the suite saw it, and what was seen but not documented. */
export function coverageTable(pairs: readonly DocumentedPair[], tally: Tally): string {
  const rows = pairs.map((pair) => {
    const seen = tally[pairKey(pair.operationId, pair.status)] ?? {};
    const counts = sources.map((s) => String(seen[s] ?? 0));
    const exercised = counts.some((c) => c !== '0');
    return [pair.operationId, pair.status, exercised ? 'yes' : 'NO', ...counts];
  });
  const documented = new Set(pairs.map((p) => pairKey(p.operationId, p.status)));
  const undocumented = Object.keys(tally).filter((key) => !documented.has(key));
  const fuzzed = Object.values(tally).reduce((sum, row) => sum + (row.fuzz ?? 0), 0);
  const covered = rows.filter((row) => row[2] === 'yes').length;

  const header = ['operation', 'status', 'exercised', ...sources];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [
    'Contract coverage: documented (operation, status) pairs and the answers each part of the suite saw',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${covered}/${rows.length} documented pairs exercised; ${fuzzed} fuzz requests.`,
    ...(undocumented.length > 0 ? [`Also answered (the not_found / method_not_allowed every path may give): ${undocumented.sort().join(', ')}`] : []),
  ].join('\n');
}
