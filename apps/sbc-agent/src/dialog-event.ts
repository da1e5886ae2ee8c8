// The dialog events that deploy/kamailio/kamailio.cfg relays over evapi: one JSON object per
// netstring. Every value is a string, as Kamailio's pseudo-variables give them.

/** What every event carries. */
interface Numbered {
  /** Kamailio's sequence number of the event (see route[EMIT]): what the agent acknowledges. */
  seq?: string;
}

/** The initial INVITE reached the SBC. */
export interface CallStarted extends Numbered {
  event: 'start';
  callId: string;
  /** `$TV(Sn)`: seconds.microseconds since the epoch. */
  time: string;
  fromTag?: string;
  cseq?: string;
  from?: string;
  to?: string;
  requestUri?: string;
  sourceIp?: string;
  destinationIp?: string;
  sbcIp?: string;
  direction?: string;
  pAssertedIdentity?: string;
  privacy?: string;
  diversion?: string;
  userAgent?: string;
  mobileOriginated?: string;
}

/** The callee answered (the dialog was confirmed by a 2xx). */
export interface CallAnswered extends Numbered {
  event: 'answer';
  callId: string;
  time: string;
}

/** A BYE or CANCEL arrived, or the INVITE failed with a final code. */
export interface CallEnded extends Numbered {
  event: 'end';
  callId: string;
  time: string;
  /** `BYE`, `CANCEL` or the final SIP code. */
  reason: string;
  /** `A` (the caller sent it) or `B` (the callee did); the agent sets `S` for calls it ends for the API. */
  by: string;
}

export type DialogEvent = CallStarted | CallAnswered | CallEnded;

const kinds = new Set(['start', 'answer', 'end']);

/** Reads one relayed message; `undefined` for anything that is not a dialog event. */
export function parseDialogEvent(text: string): DialogEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (!kinds.has(record['event'] as string)) return undefined;
  if (typeof record['callId'] !== 'string' || record['callId'] === '' || typeof record['time'] !== 'string') return undefined;
  if (Object.values(record).some((field) => typeof field !== 'string')) return undefined;
  if (record['event'] === 'end' && (typeof record['reason'] !== 'string' || typeof record['by'] !== 'string')) return undefined;
  return record as unknown as DialogEvent;
}
