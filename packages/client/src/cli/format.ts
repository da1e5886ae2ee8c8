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
  const from = session.answered ?? session.started;
  if (!from) return '';
  const to = session.ended ? Date.parse(session.ended) : now.getTime();
  const seconds = Math.max(0, Math.floor((to - Date.parse(from)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

interface Column {
  title: string;
  value: (session: AnySession, now: Date) => string;
  /** How narrow the column may get when the terminal is too narrow; absent: never shrinks. */
  min?: number;
  /** Left out when the table does not fit even with every column at its narrowest. */
  optional?: boolean;
}

// Shrinking order: the first shrinkable column gives up width first.
const columns: Column[] = [
  { title: 'CALL-ID', value: (s) => s.callId, min: 12 },
  { title: 'A-NUMBER', value: (s) => s.aNumber ?? '' },
  { title: 'B-NUMBER', value: (s) => s.bNumber ?? '' },
  { title: 'DIR', value: (s) => s.direction ?? '' },
  { title: 'STATE', value: stateOf },
  { title: 'DURATION', value: durationOf },
  { title: 'CUSTOMER', value: (s) => s.sourceCustomerId ?? s.destinationCustomerId ?? '', min: 8, optional: true },
];

/**
 * The sessions as a table. With `width` (a terminal's columns) the widest columns are cut
 * down, with an ellipsis, and optional columns left out, until the table fits.
 */
export function sessionTable(sessions: readonly AnySession[], now: Date, width?: number): string {
  let shown = columns;
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

/** One event as one line: when, what, which call, and who calls whom. */
export function eventLine(event: SbcEvent): string {
  const time = event.time.slice(11, 23);
  if (event.type === 'terminate') return `${time}  #${event.id}  terminate  ${event.callId}  sbc ${event.sbcServer}\n`;
  const { session } = event;
  const who = [session.aNumber ?? '?', '->', session.bNumber ?? '?', session.direction ?? ''].join(' ').trimEnd();
  const why = event.type === 'ended' && session.endedReason ? `  ${String(session.endedReason)}` : '';
  return `${time}  #${event.id}  ${event.type}  ${event.callId}  ${who}${why}\n`;
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
