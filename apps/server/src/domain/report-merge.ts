// The merge rules of `SessionReport`: how a report changes the stored session, or why it is refused.
import type { Session, SessionEvent, SessionReport } from '@sbc/contract';
import { canonicalHexId } from '../hex-ids.js';
import { hexIdKeys, sessionKeys } from './session-shape.js';

/** The set-once timestamps of a call, each of which is also the type of the event it emits. */
const milestones = ['started', 'answered', 'ended'] as const satisfies ReadonlyArray<keyof Session & SessionEvent['type']>;
export type Milestone = (typeof milestones)[number];

/** Properties that keep their first value: the milestones, and the end's reason and party. */
const setOnceKeys: ReadonlySet<string> = new Set([...milestones, 'endedReason', 'endedBy']);

/** Why a report is refused: 409 when it is another SBC node's session, 422 when it contradicts the stored one. */
export interface ReportRefusal {
  status: 409 | 422;
  field: string;
  description: string;
}

export type MergeResult = { ok: true; session: Session; changed: boolean; reached: Milestone[] } | ({ ok: false } & ReportRefusal);

/** How far ahead of the server's clock a reported time may be: SBC clocks drift a little, never by this much. */
const maxClockAheadMinutes = 10;

export interface MergeContext {
  /** The server's clock when the report arrived. */
  now: Date;
  /** The SBC node of the reporting token; undefined for an administrator. */
  reporterSbc?: string;
}

/**
 * Applies one report to the stored session (undefined when new) under the merge rules of
 * `SessionReport`: milestones are set once and never moved or cleared, the first end's reason
 * and party are kept, late reports fill gaps, and other properties take the latest value.
 */
export function mergeReport(existing: Session | undefined, callId: string, report: SessionReport, context: MergeContext): MergeResult {
  const ownership = checkOwnership(existing, report, context.reporterSbc);
  if (ownership) return ownership;
  const times = checkTimes(report, context.now);
  if (times) return times;

  const stored = (existing ?? {}) as Record<string, unknown>;
  const given = report as Record<string, unknown>;
  // An end without `endedBy` after an end was requested through the API was the system's doing.
  const endedBySystem = report.ended !== undefined && existing?.ended === undefined && existing?.terminationRequested !== undefined;
  // Built in one pass in the contract's property order: a copy of the stored session with the
  // report applied, then put in order, made three objects per report and cost more than the rest
  // of the merge.
  const merged: Record<string, unknown> = {};
  for (const key of sessionKeys) {
    let value = key === 'callId' ? callId : stored[key];
    const reported = given[key];
    if (key !== 'callId' && reported !== undefined && (value === undefined || !setOnceKeys.has(key))) {
      value = hexIdKeys.has(key) ? canonicalHexId(reported as string) : reported;
    }
    if (value === undefined && key === 'sbcServer') value = context.reporterSbc;
    if (value === undefined && key === 'endedBy' && endedBySystem) value = 'S';
    if (value !== undefined) merged[key] = value;
  }

  const order = checkOrder(merged, existing, report);
  if (order) return order;

  const session = merged as unknown as Session;
  const changed = existing === undefined || differs(session, existing);
  const reached = milestones.filter((m) => session[m] !== undefined && existing?.[m] === undefined);
  return { ok: true, session, changed, reached };
}

/**
 * Whether the merged session says anything the stored one does not. It holds every stored
 * property (a report adds or replaces, never removes), so comparing its own properties one by
 * one is enough: a whole session as JSON twice for every report cost more than the rest of the
 * merge. A property holding an object (none today) is compared as its JSON.
 */
function differs(session: Session, existing: Session): boolean {
  const before = existing as Record<string, unknown>;
  const after = session as Record<string, unknown>;
  for (const key in after) {
    const value = after[key];
    const was = before[key];
    if (value === was) continue;
    if (typeof value !== 'object' || typeof was !== 'object' || JSON.stringify(value) !== JSON.stringify(was)) return true;
  }
  return false;
}

function checkOwnership(existing: Session | undefined, report: SessionReport, reporterSbc: string | undefined): MergeResult | undefined {
  if (reporterSbc === undefined) {
    if (existing === undefined && report.sbcServer === undefined) {
      return { ok: false, status: 422, field: 'sbcServer', description: 'sbcServer is required when an administrator creates a session' };
    }
    return undefined;
  }
  if (report.sbcServer !== undefined && report.sbcServer !== reporterSbc) {
    return { ok: false, status: 409, field: 'sbcServer', description: `This token reports for SBC ${reporterSbc}, not ${String(report.sbcServer)}` };
  }
  if (existing?.sbcServer !== undefined && existing.sbcServer !== reporterSbc) {
    return { ok: false, status: 409, field: 'sbcServer', description: `Session belongs to SBC ${String(existing.sbcServer)}` };
  }
  return undefined;
}

/**
 * The contract's pattern admits texts that name no instant (`23:59:60`, February 30th), which
 * would then break every comparison with them; and a time far ahead would sort first in every
 * list and never be ended as stale.
 */
function checkTimes(report: SessionReport, now: Date): MergeResult | undefined {
  const latestAllowed = now.getTime() + maxClockAheadMinutes * 60_000;
  for (const field of milestones) {
    const text = report[field];
    if (text === undefined) continue;
    const ms = Date.parse(text);
    if (Number.isNaN(ms) || new Date(ms).toISOString() !== text) {
      return { ok: false, status: 422, field, description: `${field} ${text} is not a real instant (UTC, ISO 8601 with milliseconds)` };
    }
    if (ms > latestAllowed) {
      return { ok: false, status: 422, field, description: `${field} ${text} is more than ${maxClockAheadMinutes} minutes ahead of the server's clock (${now.toISOString()})` };
    }
  }
  return undefined;
}

const orderedPairs: ReadonlyArray<readonly [Milestone, Milestone]> = [
  ['started', 'answered'],
  ['started', 'ended'],
  ['answered', 'ended'],
];

function checkOrder(merged: Record<string, unknown>, existing: Session | undefined, report: SessionReport): MergeResult | undefined {
  for (const [earlier, later] of orderedPairs) {
    const a = merged[earlier];
    const b = merged[later];
    // The contract's one time format (four-digit year, milliseconds, `Z`) sorts as the instants do.
    if (typeof a !== 'string' || typeof b !== 'string' || b >= a) continue;
    // Name the field this report brought; the stored one is not the mistake.
    const laterIsNew = report[later] !== undefined && existing?.[later] === undefined;
    const earlierIsNew = report[earlier] !== undefined && existing?.[earlier] === undefined;
    const field = laterIsNew || !earlierIsNew ? later : earlier;
    const other = field === later ? earlier : later;
    const relation = field === later ? 'earlier' : 'later';
    return { ok: false, status: 422, field, description: `${field} is ${relation} than ${other}` };
  }
  return undefined;
}
