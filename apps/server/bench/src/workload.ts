import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { customers, dayOf, DATASET_NOW, lifecycle, session, type IngestReport } from './dataset.js';
import { Random } from './random.js';

/**
 * The request paths the load generators replay, drawn from the data set with their own seed:
 * the same run after run. Written to files because the load generators run in other processes.
 */
export function writePaths(dir: string, name: string, paths: string[]): string {
  const file = join(dir, `${name}.paths`);
  writeFileSync(file, paths.join('\n') + '\n');
  return file;
}

/** GET /sbc/session/{id} of random existing sessions; with `reseller`, only of its customers' sessions. */
export function lookupPaths(seed: number, sessions: number, count: number, reseller?: string): string[] {
  const random = new Random(seed ^ 0x10c0);
  const inScope = new Set(customers().filter((c) => c.id === reseller || c.parentReseller === reseller).map((c) => c.id));
  const paths: string[] = [];
  while (paths.length < count) {
    const call = session(seed, random.int(0, sessions - 1), dayOf(sessions));
    const owner = call.sourceCustomerId ?? call.destinationCustomerId ?? '';
    if (reseller === undefined || inScope.has(owner)) paths.push(`/sbc/session/${encodeURIComponent(call.callId)}`);
  }
  return paths;
}

/**
 * GET /sbc/session?number=... with a part of an existing A- or B-number, as an operator types
 * it: mostly 6 to 8 digits, sometimes fewer or the whole number, sometimes with the leading +.
 */
export function numberSearchPaths(seed: number, sessions: number, count: number): string[] {
  const random = new Random(seed ^ 0x5ea7c4);
  const paths: string[] = [];
  while (paths.length < count) {
    const call = session(seed, random.int(0, sessions - 1), dayOf(sessions));
    const number = random.chance(0.5) ? call.aNumber : call.bNumber;
    if (number === undefined || number === 'anonymous') continue;
    const digits = number.slice(1);
    const length = Math.min(digits.length, random.weighted([[4, 1], [5, 1], [6, 2], [7, 2], [8, 2], [digits.length, 1]] as const));
    const start = random.int(0, digits.length - length);
    const text = start === 0 && random.chance(0.5) ? `+${digits.slice(0, length)}` : digits.slice(start, start + length);
    paths.push(`/sbc/session?number=${encodeURIComponent(text)}`);
  }
  return paths;
}

/**
 * The calls an ingest load reports, each as its lifecycle (start, answer, end): new calls that
 * start in the minute after the data set's "now", after every stored call, as a live SBC's calls
 * do (the server's clock starts at that "now"). Only answered calls over within 9 minutes, as the
 * server refuses times more than 10 minutes ahead of its clock. Each keeps the node that carries it.
 */
export function ingestCalls(seed: number, firstIndex: number, count: number): IngestReport[][] {
  const arrivals = { first: firstIndex, from: DATASET_NOW, spanMs: 60_000, count: count * 2 };
  const calls: IngestReport[][] = [];
  for (let index = firstIndex; calls.length < count && index < firstIndex + arrivals.count; index++) {
    const call = session(seed, index, arrivals, DATASET_NOW + 9 * 60_000);
    if (call.answered !== undefined && call.ended !== undefined) calls.push(lifecycle(call));
  }
  return calls;
}

/**
 * One node's reports in the order a busy SBC sends them: the starts of new calls mixed with the
 * answers of calls `lag` calls earlier and the ends of calls 2 x `lag` earlier.
 */
export function reportOrder(calls: IngestReport[][], lag: number): IngestReport[] {
  const stream: IngestReport[] = [];
  for (let step = 0; step < calls.length + 2 * lag; step++) {
    const starting = calls[step];
    const answering = calls[step - lag];
    const ending = calls[step - 2 * lag];
    if (starting) stream.push(starting[0] as IngestReport);
    if (answering) stream.push(answering[1] as IngestReport);
    if (ending) stream.push(ending[2] as IngestReport);
  }
  return stream;
}
