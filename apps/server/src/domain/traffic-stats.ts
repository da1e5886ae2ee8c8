// Traffic statistics: which window may be asked for, and the arithmetic that turns a store's
// counts (store/backend.ts TrafficCounts) into the contract's TrafficStats: per-minute buckets,
// concurrent calls, the answer-seizure ratio and the average call duration.
import type { LiveTraffic, TrafficMinute, TrafficStats } from '@sbc/contract';
import type { GroupCount, StartedInMinute, TrafficCounts } from '../store/backend.js';

const minuteMs = 60_000;

/** How old an answer may be when given again to the same question (scope, window, top): the contract says so too. */
export const statsMaxAgeSeconds = 5;

/** The longest window: the retention, since older calls are no longer kept (at least one minute). */
export function longestWindowMinutes(retentionHours: number): number {
  return Math.max(1, Math.floor(retentionHours * 60));
}

/** Why a window cannot be asked for, or undefined. */
export function windowProblem(minutes: number, retentionHours: number): string | undefined {
  const longest = longestWindowMinutes(retentionHours);
  return minutes > longest ? `window may be at most ${longest} minutes: calls are kept for ${retentionHours} hours (RETENTION_HOURS)` : undefined;
}

/** The window of `minutes` that ends now: the current minute and the whole minutes before it. */
export function windowStart(now: Date, minutes: number): Date {
  return new Date(Math.floor(now.getTime() / minuteMs) * minuteMs - (minutes - 1) * minuteMs);
}

/** `YYYY-MM-DDTHH:MM`: how stores name a minute (the first 16 characters of a Timestamp). */
const minuteKey = (time: number) => new Date(time).toISOString().slice(0, 16);

/** Answered / attempted (answered or failed), 4 decimals; undefined while nothing had an outcome. */
export function answerSeizureRatio(answered: number, failed: number): number | undefined {
  const attempted = answered + failed;
  return attempted === 0 ? undefined : Math.round((answered / attempted) * 10_000) / 10_000;
}

/** Mean talk time in seconds, 0.1 s; undefined when no answered call has ended. */
export function averageCallDuration(talkMs: number, completed: number): number | undefined {
  return completed === 0 ? undefined : Math.round(talkMs / completed / 100) / 10;
}

interface Outcomes {
  started: number;
  answered: number;
  failed: number;
  completed: number;
  talkMs: number;
}

const none = (): Outcomes => ({ started: 0, answered: 0, failed: 0, completed: 0, talkMs: 0 });

function add(into: Outcomes, from: Omit<StartedInMinute, 'minute'>): void {
  into.started += from.started;
  into.answered += from.answered;
  into.failed += from.failed;
  into.completed += from.completed;
  into.talkMs += from.talkMs;
}

function ratios(outcomes: Outcomes): Pick<TrafficMinute, 'asr' | 'acdSeconds'> {
  const asr = answerSeizureRatio(outcomes.answered, outcomes.failed);
  const acdSeconds = averageCallDuration(outcomes.talkMs, outcomes.completed);
  return { ...(asr !== undefined ? { asr } : {}), ...(acdSeconds !== undefined ? { acdSeconds } : {}) };
}

/**
 * The statistics of a window of `minutes` ending at `now`, from counts taken since `windowStart`.
 * Times ahead of the clock count in the current minute. Calls going on at the window's start are
 * those live now or ended since, less those started since; each minute then adds the calls that
 * started in it and takes away those that ended.
 */
export function trafficStats(now: Date, minutes: number, counts: TrafficCounts): TrafficStats {
  const from = windowStart(now, minutes).getTime();
  const keys = Array.from({ length: minutes }, (_, i) => minuteKey(from + i * minuteMs));
  const last = keys.length - 1;
  const index = new Map(keys.map((key, i) => [key, i]));
  const at = (minute: string) => index.get(minute) ?? last;
  const outcomes = keys.map(none);
  const ended = keys.map(() => 0);
  for (const { minute, ...counted } of counts.startedByMinute) add(outcomes[at(minute)]!, counted);
  for (const { minute, ended: n } of counts.endedByMinute) ended[at(minute)]! += n;

  const total = none();
  outcomes.forEach((o) => add(total, o));
  let concurrent = counts.live.calls + ended.reduce((a, b) => a + b, 0) - total.started;
  const series: TrafficMinute[] = keys.map((key, i) => {
    const o = outcomes[i]!;
    concurrent += o.started - ended[i]!;
    return { minute: `${key}:00.000Z`, started: o.started, answered: o.answered, failed: o.failed, concurrent, ...ratios(o) };
  });
  return {
    time: now.toISOString(),
    live: liveTraffic(counts.live),
    window: {
      from: new Date(from).toISOString(),
      to: now.toISOString(),
      minutes,
      started: total.started,
      answered: total.answered,
      failed: total.failed,
      ...ratios(total),
      series,
    },
  };
}

/** Most calls first, then by key; a group without a key (no SBC node, no direction) has no property. */
function groups<K extends string>(counts: readonly GroupCount[], name: K): Array<{ calls: number } & Partial<Record<K, string>>> {
  return [...counts]
    .sort((a, b) => b.calls - a.calls || (a.key ?? '').localeCompare(b.key ?? ''))
    .map(({ key, calls }) => ({ ...(key === null ? {} : { [name]: key }), calls }) as { calls: number } & Partial<Record<K, string>>);
}

function liveTraffic(live: TrafficCounts['live']): LiveTraffic {
  return {
    calls: live.calls,
    answered: live.answered,
    bySbcServer: groups(live.bySbcServer, 'sbcServer'),
    byDirection: groups(live.byDirection, 'direction') as LiveTraffic['byDirection'],
    topCustomers: live.topCustomers.map(({ id, name, calls }) => ({ id, ...(name === null ? {} : { name }), calls })),
    topPeers: live.topPeers.map(({ peer, calls }) => ({ peer, calls })),
  };
}
