// How the command line shows sessions and events to a person.
import type { EndCallResult, SbcEvent, Session, SessionSummary } from '../types.js';

type AnySession = Session | SessionSummary;

/** `ringing`, `answered` (either with `, end requested`), or `ended` with its reason. */
export function stateOf(session: AnySession): string {
  if (session.ended) return session.endedReason ? `ended ${String(session.endedReason)}` : 'ended';
  const state = session.answered ? 'answered' : 'ringing';
  // A requested end is not an end: the call is up until its SBC reports the end.
  return session.terminationRequested ? `${state}, end requested` : state;
}

/** Talk time once answered, ringing time before; up to now while live. */
export function durationOf(session: AnySession, now: Date): string {
  return session.answered ? talkTime(session, now) : ringTime(session, now);
}

/** From the INVITE to the answer, or to the end (or now) for a call never answered. */
export function ringTime(session: AnySession, now: Date): string {
  return session.started ? span(session.started, session.answered ?? session.ended, now) : '';
}

/** From the answer to the end, or to now while the call goes on; empty when never answered. */
export function talkTime(session: AnySession, now: Date): string {
  return session.answered ? span(session.answered, session.ended, now) : '';
}

function span(from: string, to: string | undefined, now: Date): string {
  const seconds = Math.max(0, Math.floor(((to ? Date.parse(to) : now.getTime()) - Date.parse(from)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Date and time in one time zone; `timeZone` undefined is the system's. */
export interface LocalTime {
  /** The zone's name, e.g. `Europe/Copenhagen` or `UTC`. */
  zone: string;
  /** `2026-01-01 13:00:05` */
  dateTime(iso: string): string;
  /** `2026-01-01 13:00:05.123 +01:00` */
  precise(iso: string): string;
}

/** `timeZone` is TZ as the environment gives it (glibc's leading `:` allowed); empty means the system's zone. */
export function localTime(timeZone: string | undefined): LocalTime {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timeZone?.replace(/^:/, '') || undefined,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const parts = (iso: string) => Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const dateTime = (p: Record<string, string>) => `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${p['second']}`;
  return {
    zone: format.resolvedOptions().timeZone,
    dateTime: (iso) => dateTime(parts(iso)),
    precise(iso) {
      const p = parts(iso);
      // `GMT+01:00`, or `GMT` for UTC itself.
      const offset = p['timeZoneName']?.replace(/^GMT/, '') || '+00:00';
      return `${dateTime(p)}.${p['fractionalSecond']} ${offset}`;
    },
  };
}

interface Column {
  title: string;
  value: (session: AnySession, now: Date) => string;
  /** How narrow the column may get when the terminal is too narrow; absent: never shrinks. */
  min?: number;
  /** Left out when the table does not fit even with every column at its narrowest. */
  optional?: boolean;
}

// Shrinking order: the first shrinkable column gives up width first. The Call-ID, which `get`
// and `end` need, is never cut; optional columns are left out from the last.
const columns = (time: LocalTime): Column[] => [
  { title: 'CALL-ID', value: (s) => s.callId },
  { title: 'STARTED', value: (s) => (s.started ? time.dateTime(s.started) : ''), optional: true },
  { title: 'A-NUMBER', value: (s) => s.aNumber ?? '', min: 8 },
  { title: 'B-NUMBER', value: (s) => s.bNumber ?? '', min: 8 },
  { title: 'DIR', value: (s) => s.direction ?? '' },
  { title: 'STATE', value: stateOf, min: 5 },
  { title: 'RING', value: ringTime },
  { title: 'TALK', value: talkTime },
  { title: 'CUSTOMER', value: (s) => s.sourceCustomerId ?? s.destinationCustomerId ?? '', min: 8, optional: true },
];

/**
 * The sessions as a table, STARTED in `time`'s zone; RING is the time to the answer (or to the
 * end of a call never answered), TALK the time since. With `width` (a terminal's columns) the
 * widest columns but the Call-ID are cut down, with an ellipsis, and optional columns left out,
 * until the table fits.
 */
export function sessionTable(sessions: readonly AnySession[], now: Date, width?: number, time: LocalTime = localTime(undefined)): string {
  let shown = columns(time);
  let layout = measure(shown, sessions, now, width);
  while (width !== undefined && total(layout.widths) > width && shown.some((c) => c.optional)) {
    const dropped = shown.findLastIndex((c) => c.optional);
    shown = shown.filter((_, i) => i !== dropped);
    layout = measure(shown, sessions, now, width);
  }
  const { widths, cells } = layout;
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cut(cell, widths[i] ?? 0).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(shown.map((c) => c.title)), ...cells.map(line)].join('\n') + '\n';
}

function measure(shown: readonly Column[], sessions: readonly AnySession[], now: Date, width: number | undefined) {
  const cells = sessions.map((s) => shown.map((c) => c.value(s, now)));
  const widths = shown.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]?.length ?? 0)));
  if (width !== undefined) {
    shown.forEach((column, i) => {
      const over = total(widths) - width;
      if (over > 0 && column.min !== undefined) widths[i] = Math.max(column.min, (widths[i] ?? 0) - over);
    });
  }
  return { cells, widths };
}

/** The width of a table row: the columns and two spaces between each. */
function total(widths: readonly number[]): number {
  return widths.reduce((a, b) => a + b, 2 * (widths.length - 1));
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Every property of a session, one per line, names aligned. */
export function sessionDetails(session: Session, now: Date): string {
  const rows: Array<[string, string]> = Object.entries(session).map(([name, value]) => [name, String(value)]);
  rows.push(['(state)', stateOf(session)], ['(duration)', durationOf(session, now)]);
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n') + '\n';
}

/** One event as one line: when (date, time and zone offset), what, which call, who calls whom, and for an end why and who ended it. */
export function eventLine(event: SbcEvent, time: LocalTime = localTime(undefined)): string {
  const when = time.precise(event.time);
  if (event.type === 'terminate') return `${when}  #${event.id}  terminate  ${event.callId}  sbc ${String(event.sbcServer)}\n`;
  const { session } = event;
  const who = [session.aNumber ?? '?', '->', session.bNumber ?? '?', session.direction ?? ''].join(' ').trimEnd();
  const why =
    event.type === 'ended'
      ? [session.endedReason === undefined ? '' : String(session.endedReason), session.endedBy ? `by ${endedByWhom[session.endedBy] ?? 'party'} (${session.endedBy})` : '']
          .filter(Boolean)
          .map((part) => `  ${part}`)
          .join('')
      : '';
  return `${when}  #${event.id}  ${event.type}  ${event.callId}  ${who}${why}\n`;
}

const endedByWhom: Record<string, string> = { A: 'the caller', B: 'the callee', F: 'fraud prevention', S: 'the system' };

/** What `sbc end` did, in words: requested now, requested before and not yet confirmed, or ended already. */
export function endCallLine(result: EndCallResult): string {
  const { session } = result;
  const sbc = `SBC ${String(session.sbcServer ?? '(none)')}`;
  switch (result.outcome) {
    case 'requested':
      return `end of call requested: ${session.callId} (${sbc} is told to hang up)\n`;
    case 'alreadyRequested':
      return `end of call already requested at ${session.terminationRequested}, not yet confirmed by ${sbc}: ${session.callId}\n`;
    case 'alreadyEnded': {
      const how = [session.endedReason, session.endedBy && `by ${endedByWhom[session.endedBy]}`].filter(Boolean).join(', ');
      return `call already ended at ${session.ended}${how ? ` (${how})` : ''}: ${session.callId}\n`;
    }
  }
}
