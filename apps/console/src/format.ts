// How times, durations and directions read on screen.

/** `1:05` for 65 s, `1:02:03` past an hour. */
export function duration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A timestamp in the browser's zone, e.g. `1 Dec 2026, 17:02:10`. */
export function localTime(iso: string): string {
  return local.format(new Date(iso));
}

/** The time of day only, in the browser's zone. */
export function localClock(iso: string): string {
  return clock.format(new Date(iso));
}

/** A timestamp in UTC, ISO style to the millisecond: `2026-12-01 17:02:10.123 UTC`. */
export function utcTime(iso: string): string {
  return `${new Date(iso).toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

export const directionLabel = (direction: string | undefined): string =>
  direction === 'I' ? 'inbound' : direction === 'O' ? 'outbound' : '';
