import type { Customer } from '@sbc/contract';

/**
 * The operator's hex ids (customers, voice accounts, rate plans) are accepted in either case and
 * kept in upper case, as the operator writes them: one id is then one text wherever it is
 * stored or compared (a scope, a unique key, a filter).
 */
export const canonicalHexId = (id: string): string => id.toUpperCase();

export function canonicalCustomer(customer: Customer): Customer {
  const { id, parentReseller } = customer;
  return { ...customer, id: canonicalHexId(id), ...(parentReseller !== undefined ? { parentReseller: canonicalHexId(parentReseller) } : {}) };
}
