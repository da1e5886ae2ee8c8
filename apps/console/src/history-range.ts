// The list operation has no time filter: it pages through matches ordered by `started`,
// newest first (sessions with no `started` last), in a stable order. So a time range is a run of
// consecutive offsets, and its ends are found by binary search, asking for one session per step
// (about 20 requests for a million matches) instead of reading every page.

/** The `started` of the session at an offset (epoch ms; -Infinity for none). */
export type StartedAt = (offset: number) => Promise<number>;

/** The first offset in [0, total) whose session started at or before `time`, or `total`. */
export async function firstStartedAtOrBefore(startedAt: StartedAt, total: number, time: number): Promise<number> {
  let low = 0;
  let high = total;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((await startedAt(middle)) <= time) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The offsets [start, end) of the sessions that started within [from, to] (either end open when undefined). */
export async function offsetsWithin(startedAt: StartedAt, total: number, from: number | undefined, to: number | undefined): Promise<{ start: number; end: number }> {
  const start = to === undefined ? 0 : await firstStartedAtOrBefore(startedAt, total, to);
  // The first session that started before `from` (at or before from - 1 ms) ends the range.
  const end = from === undefined ? total : await firstStartedAtOrBefore(startedAt, total, from - 1);
  return { start, end: Math.max(start, end) };
}
