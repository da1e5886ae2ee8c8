import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { customers, dayOf, session } from './dataset.js';
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
