import { describe, expect, it } from 'vitest';
import { offsetsWithin } from '../src/history-range.js';

// Sessions as the list orders them: newest `started` first, those with none last.
const started = [100, 90, 90, 80, 70, 60, 50, -Infinity];
const probe = () => {
  const asked: number[] = [];
  return { asked, startedAt: async (offset: number) => (asked.push(offset), started[offset]!) };
};

describe('a time range over the list\'s order', () => {
  it('is the run of offsets whose sessions started within it, ends included', async () => {
    const { startedAt } = probe();
    expect(await offsetsWithin(startedAt, started.length, 60, 90)).toEqual({ start: 1, end: 6 });
  });

  it('open at the end reaches the newest session; open at the start, the oldest (and those with no start)', async () => {
    const { startedAt } = probe();
    expect(await offsetsWithin(startedAt, started.length, 80, undefined)).toEqual({ start: 0, end: 4 });
    expect(await offsetsWithin(startedAt, started.length, undefined, 70)).toEqual({ start: 4, end: 8 });
  });

  it('is empty when no session started within it', async () => {
    const { startedAt } = probe();
    const range = await offsetsWithin(startedAt, started.length, 91, 99);
    expect(range.end - range.start).toBe(0);
    expect(await offsetsWithin(startedAt, started.length, 200, 300)).toEqual({ start: 0, end: 0 });
  });

  it('asks for a logarithmic number of sessions, not every page', async () => {
    const total = 1_000_000;
    const asked: number[] = [];
    const startedAt = async (offset: number) => (asked.push(offset), total - offset);
    expect(await offsetsWithin(startedAt, total, 250_000, 750_000)).toEqual({ start: 250_000, end: 750_001 });
    expect(asked.length).toBeLessThanOrEqual(2 * 21);
  });
});
