// How the command line shows traffic statistics and the token's own description to a person.
import type { TrafficStats, WhoAmI } from '../types.js';
import type { LocalTime } from './format.js';

/** Columns of text, left-aligned, two spaces apart; the header first, `(none)` under it when there are no rows. */
function columns(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return `${header.join('  ')}\n(none)\n`;
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** `75.0%`, or `-` when there is no ratio. */
const percent = (ratio: number | undefined) => (ratio === undefined ? '-' : `${(ratio * 100).toFixed(1)}%`);

/** `0:01:05` (rounded to the second), or `-`. */
function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 3600)}:${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

const directions: Record<string, string> = { I: 'I (from a peer)', O: 'O (from a trusted host)' };

/** Live calls by node, direction, customer and peer, then the window's totals and its minutes, times in `time`'s zone. */
export function trafficReport(stats: TrafficStats, time: LocalTime): string {
  const { live, window } = stats;
  const count = (n: number) => String(n);
  const parts = [
    `Live calls: ${live.calls} (${live.answered} answered, ${live.calls - live.answered} ringing) at ${time.dateTime(stats.time)}\n`,
    columns(['SBC NODE', 'CALLS'], live.bySbcServer.map((g) => [String(g.sbcServer ?? '(none)'), count(g.calls)])),
    columns(['DIRECTION', 'CALLS'], live.byDirection.map((g) => [g.direction ? (directions[g.direction] ?? g.direction) : '(none)', count(g.calls)])),
    columns(['TOP CUSTOMER', 'NAME', 'CALLS'], live.topCustomers.map((c) => [c.id, c.name ?? '', count(c.calls)])),
    columns(['TOP PEER', 'CALLS'], live.topPeers.map((p) => [p.peer, count(p.calls)])),
    `Last ${window.minutes} minutes, from ${time.dateTime(window.from)} (${time.zone}): ${window.started} started, ${window.answered} answered, ` +
      `${window.failed} failed; ASR ${percent(window.asr)}, ACD ${duration(window.acdSeconds)}\n`,
  ];
  const minutes = window.series.map((m) => time.dateTime(m.minute).slice(0, 16));
  // One day's minutes need no date.
  const sameDay = minutes.every((m) => m.slice(0, 10) === minutes[0]?.slice(0, 10));
  parts.push(
    columns(
      ['MINUTE', 'STARTED', 'ANSWERED', 'FAILED', 'CONCURRENT', 'ASR', 'ACD'],
      window.series.map((m, i) => [
        sameDay ? minutes[i]!.slice(11) : minutes[i]!,
        count(m.started),
        count(m.answered),
        count(m.failed),
        count(m.concurrent),
        percent(m.asr),
        duration(m.acdSeconds),
      ]),
    ),
  );
  return parts.join('\n');
}

/** The token's description, one property a line, names aligned. */
export function whoAmIDetails(me: WhoAmI, time: LocalTime): string {
  const rows: Array<[string, string]> = [['level', me.level]];
  if (me.name !== undefined) rows.push(['name', me.name]);
  if (me.customer) {
    const { id, name, features } = me.customer;
    rows.push(['customer', name === undefined ? `${id} (not a known customer)` : `${id} ${name}`]);
    if (features !== undefined) rows.push(['features', features.length > 0 ? features.join(', ') : '(none)']);
  }
  if (me.sbcServer !== undefined) rows.push(['sbcServer', String(me.sbcServer)]);
  rows.push(['expires', me.expires === undefined ? 'never' : `${time.dateTime(me.expires)} (${time.zone})`]);
  rows.push(['operations', me.operations.join(', ')]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n') + '\n';
}
