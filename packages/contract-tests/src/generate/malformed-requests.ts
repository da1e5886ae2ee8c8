import fc from 'fast-check';
import type { OperationContract } from '@sbc/contract';
import type { GeneratedRequest } from '../spec/wire-request.js';
import { bodyMalformations } from './body-malformations.js';
import type { Malformation } from './malformation.js';
import type { RequestContext } from './request-context.js';
import { urlMalformations } from './url-malformations.js';
import { validRequestArbitrary } from './valid-requests.js';

export type { Malformation } from './malformation.js';

export const malformations: readonly Malformation[] = [...urlMalformations, ...bodyMalformations];

/** Malformed requests for one operation: a valid one, spoilt one way, labelled with the way. */
export function malformedRequestArbitrary(context: RequestContext, op: OperationContract, only?: Malformation): fc.Arbitrary<GeneratedRequest> {
  const applicable = (only ? [only] : malformations).filter((m) => m.appliesTo(op, context) && !context.leftOut?.includes(m.name));
  const weighted = applicable.map((m) => ({
    // A body over the limit is 2 MB on the wire: a few of those prove the point.
    weight: m.name === 'body larger than the limit' ? 1 : 10,
    arbitrary: validRequestArbitrary(context, op).chain((valid) => m.spoil(context, op, valid).map((request) => ({ ...request, malformation: m.name }))),
  }));
  return fc.oneof(...weighted);
}

export function applicableMalformations(op: OperationContract, context: RequestContext): Malformation[] {
  return malformations.filter((m) => m.appliesTo(op, context));
}
