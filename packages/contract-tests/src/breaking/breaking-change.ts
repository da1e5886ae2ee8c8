/** The kinds of change that break a client written against the baseline contract. */
export const breakingKinds = [
  'operation-removed',
  'path-parameter-renamed',
  'security-tightened',
  'access-level-removed',
  'parameter-removed',
  'parameter-newly-required',
  'request-body-newly-required',
  'request-media-type-removed',
  'request-field-removed',
  'request-field-retyped',
  'request-field-newly-required',
  'request-enum-narrowed',
  'request-constraint-tightened',
  'response-status-removed',
  'response-media-type-removed',
  'response-header-removed',
  'response-field-removed',
  'response-field-retyped',
  'response-enum-widened',
] as const;

export type BreakingKind = (typeof breakingKinds)[number];

export interface BreakingChange {
  kind: BreakingKind;
  /** The operation and the place in it: `GET /sbc/session 200 application/json body.sessions[].aNumber`. */
  where: string;
  /** What changed, for a person. */
  message: string;
}
