// SIP facts -> session reports. Each dialog event becomes one report of the fields it knows;
// the store merges them (started, answered and ended are set once, a replay changes nothing).
import { isIP } from 'node:net';
import type { IngestReport } from '@sbc/client';
import type { CallAnswered, CallEnded, CallStarted, DialogEvent } from './dialog-event.js';
import { numberOf, uriUser } from './numbers.js';

export interface MappingContext {
  /** This node's IP: the session's `sbcServer`. */
  sbcServer: string;
  homeCountryCode: string;
}

const userAgentMax = 512;

/** `$TV(Sn)` (`seconds.microseconds`) as the contract's timestamp, to the millisecond. */
export function kamailioTime(text: string): string | undefined {
  const match = /^([0-9]{1,12})(?:\.([0-9]{1,6}))?$/.exec(text);
  if (!match) return undefined;
  const micros = (match[2] ?? '').padEnd(6, '0');
  return new Date(Number(match[1]) * 1000 + Math.floor(Number(micros) / 1000)).toISOString();
}

export function toSessionReport(event: DialogEvent, context: MappingContext): IngestReport | undefined {
  const time = kamailioTime(event.time);
  if (time === undefined) return undefined;
  const base = { callId: event.callId, sbcServer: context.sbcServer };
  switch (event.event) {
    case 'start':
      return { ...base, started: time, ...callParties(event, context), ...routeFacts(event) };
    case 'answer':
      return answeredReport(event, time, base);
    case 'end':
      return endedReport(event, time, base);
  }
}

/** What the agent reports when it ended a call because the API asked it to. */
export function endedBySystem(callId: string, context: MappingContext, at: Date, endedReason?: string): IngestReport {
  return { callId, sbcServer: context.sbcServer, ended: at.toISOString(), endedBy: 'S', ...(endedReason ? { endedReason } : {}) };
}

function answeredReport(_event: CallAnswered, time: string, base: IngestReport): IngestReport {
  return { ...base, answered: time };
}

function endedReport(event: CallEnded, time: string, base: IngestReport): IngestReport {
  const endedReason = /^(BYE|CANCEL|[4-6][0-9]{2})$/.test(event.reason) ? event.reason : undefined;
  const endedBy = event.by === 'A' || event.by === 'B' || event.by === 'S' ? event.by : undefined;
  return { ...base, ended: time, ...(endedReason ? { endedReason } : {}), ...(endedBy ? { endedBy } : {}) };
}

/**
 * The caller is the P-Asserted-Identity when the network asserted one, else the From. Privacy
 * (`Privacy: id` or `user`, or an anonymous From) sets `aNumberPrivacy`: the store keeps the real
 * number when one is known, and `anonymous` when none is.
 */
function callParties(event: CallStarted, context: MappingContext): IngestReport {
  const cc = context.homeCountryCode;
  const aNumber = numberOf(event.pAssertedIdentity, cc) ?? numberOf(event.from, cc);
  const anonymousFrom = /^anonymous$/i.test(uriUser(event.from) ?? '');
  const privacyRequested = /\b(id|user|header)\b/i.test(event.privacy ?? '') && !/\bnone\b/i.test(event.privacy ?? '');
  const bNumber = numberOf(event.to, cc) ?? numberOf(event.requestUri, cc);
  const divertedBy = numberOf(event.diversion, cc);
  return {
    callId: event.callId,
    aNumber: aNumber ?? 'anonymous',
    aNumberPrivacy: privacyRequested || anonymousFrom || aNumber === undefined ? 1 : 0,
    ...(bNumber ? { bNumber } : {}),
    ...(divertedBy ? { divertedBy } : {}),
  };
}

function routeFacts(event: CallStarted): Omit<IngestReport, 'callId'> {
  const direction = event.direction === 'I' || event.direction === 'O' ? event.direction : undefined;
  const userAgent = event.userAgent?.trim().slice(0, userAgentMax);
  return {
    ...(event.sourceIp && isIP(event.sourceIp) ? { sourceIP: event.sourceIp } : {}),
    ...(event.destinationIp && isIP(event.destinationIp) ? { destinationIP: event.destinationIp } : {}),
    ...(direction ? { direction } : {}),
    mobileOriginated: event.mobileOriginated?.trim() === '1' ? 1 : 0,
    ...(userAgent ? { userAgent } : {}),
  };
}
