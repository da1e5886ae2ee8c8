import type { Event } from '@sbc/contract';
import { scopeOf, type Principal } from '../auth.js';
import { scopeIncludes } from '../domain/customer-tree.js';
import { canonicalHexId } from '../hex-ids.js';
import type { OperationInput } from '../contract-operation.js';
import type { CustomerParents } from '../domain/session-store.js';

type StreamQuery = OperationInput<'streamEvents'>['query'];

/** Whether a subscriber gets an event, judged against the customer tree as it is at delivery. */
export type EventFilter = (event: Event, parents: CustomerParents) => boolean;

/**
 * What a subscriber may see (its scope) and asked to see (its filters). The scope is checked
 * against the customer tree of the moment, not one taken at connect: a customer moved to
 * another reseller leaves the old reseller's open streams and joins the new one's at once, as
 * it does for requests.
 */
export function eventFilter(principal: Principal, query: StreamQuery): EventFilter {
  const types = query.types;
  const typeOk = (event: Event) => types === undefined || types.includes(event.type);
  if (principal.level === 'SBC') {
    return (event) => event.type === 'terminate' && event.sbcServer === principal.sbcServer && typeOk(event);
  }
  const scope = scopeOf(principal);
  const number = query.number?.replace(/^ /, '+');
  const customer = query.customer === undefined ? undefined : canonicalHexId(query.customer);
  return (event, parents) => {
    if (event.type === 'terminate' || !typeOk(event)) return false;
    const { sourceCustomerId: source, destinationCustomerId: destination, aNumber, bNumber } = event.session;
    if (!scopeIncludes(scope, parents, source, destination)) return false;
    if (customer !== undefined && source !== customer && destination !== customer) return false;
    if (number !== undefined && !aNumber?.includes(number) && !bNumber?.includes(number)) return false;
    return true;
  };
}
