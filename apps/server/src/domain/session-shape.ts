// A session as stored and as listed: the contract's properties, in the contract's order.
import { openapiDocument, type Session, type SessionSummary } from '@sbc/contract';

// Property orders come from the contract, so a stored session reads back in the spec's order.
const propertiesOf = (schema: string): Record<string, { $ref?: string }> =>
  (openapiDocument.components.schemas[schema] as { properties: Record<string, { $ref?: string }> }).properties;
/** The properties of a session, in the contract's order. */
export const sessionKeys: readonly string[] = Object.keys(propertiesOf('Session'));
const summaryKeys = Object.keys(propertiesOf('SessionSummary'));
/** The session's customer, voice account and rate plan ids: compared and kept in one case. */
export const hexIdKeys: ReadonlySet<string> = new Set(Object.entries(propertiesOf('Session')).filter(([, p]) => p.$ref === '#/components/schemas/HexId').map(([key]) => key));

function pick<T>(source: Record<string, unknown>, keys: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out as T;
}

export const normalizeSession = (session: Session): Session => pick<Session>(session, sessionKeys);
export const summarize = (session: Session): SessionSummary => pick<SessionSummary>(session, summaryKeys);
