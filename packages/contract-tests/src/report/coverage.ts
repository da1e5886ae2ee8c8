import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Which part of the suite sent a request. */
export type Source = 'scenario' | 'auth' | 'isolation' | 'fuzz';

/** Counts of answers seen, by `operationId status` and source. Unmatched requests count under `(no operation)`. */
export type Tally = Record<string, Partial<Record<Source, number>>>;

/**
 * Collects what one test file saw the server answer, and leaves it in the run's coverage directory
 * for the report at the end of the run (test files run in separate processes).
 */
export class CoverageRecorder {
  private readonly tally: Tally = {};

  constructor(private readonly directory: string) {}

  record(operationId: string | undefined, status: number, source: Source): void {
    const row = (this.tally[`${operationId ?? '(no operation)'} ${status}`] ??= {});
    row[source] = (row[source] ?? 0) + 1;
  }

  flush(): void {
    mkdirSync(this.directory, { recursive: true });
    writeFileSync(join(this.directory, `${randomUUID()}.json`), JSON.stringify(this.tally));
  }
}

export function readTallies(directory: string): Tally {
  const total: Tally = {};
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json'))) {
    const tally = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Tally;
    for (const [key, sources] of Object.entries(tally)) {
      const row = (total[key] ??= {});
      for (const [source, count] of Object.entries(sources) as Array<[Source, number]>) row[source] = (row[source] ?? 0) + count;
    }
  }
  return total;
}
