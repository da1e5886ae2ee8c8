// Adds up vitest's "Tests  N failed | M passed" lines from a turbo log into the one closing line
// CI reads: "tests: N passed, M failed". Cached turbo tasks replay their logs, so they count too.
import { readFileSync } from 'node:fs';

// eslint-disable-next-line no-control-regex -- stripping the terminal's colour codes (ESC [ ... m) is the point
const log = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of log.split('\n')) {
  const m = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!m) continue;
  for (const [, n, kind] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) {
    if (kind === 'passed') passed += Number(n);
    else if (kind === 'failed') failed += Number(n);
    else skipped += Number(n);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
