import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract } from '@sbc/contract';
import type { TestProject } from 'vitest/node';
import { readTallies } from '../src/report/coverage.js';
import { coverageTable } from '../src/report/coverage-table.js';
import { documentedPairs } from '../src/spec/matrix.js';

declare module 'vitest' {
  export interface ProvidedContext {
    coverageDir: string;
  }
}

/** Gives the test files a directory to leave what they saw in, and prints the coverage table at the end of the run. */
export default function setup(project: TestProject) {
  const directory = mkdtempSync(join(tmpdir(), 'sbc-contract-coverage-'));
  project.provide('coverageDir', directory);
  return () => {
    console.log(`\n${coverageTable(documentedPairs(loadContract()), readTallies(directory))}\n`);
    rmSync(directory, { recursive: true, force: true });
  };
}
