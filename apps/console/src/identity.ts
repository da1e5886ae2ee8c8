// Checks a pasted token and finds out who it belongs to and what it may do (`GET /sbc/whoami`).
import type { SbcClient, WhoAmI } from '@sbc/client';

/** Resolves with the token's holder; rejects with the API's refusal of the token. */
export function whoIsSignedIn(client: SbcClient): Promise<WhoAmI> {
  return client.whoAmI();
}

/** Names of the customers the token may read (an administrator's: all of them), by id. */
export async function customerNames(client: SbcClient, identity: WhoAmI): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (identity.customer?.name !== undefined) names.set(identity.customer.id, identity.customer.name);
  if (!identity.operations.includes('listCustomers')) return names;
  for (let offset = 0; ; ) {
    const page = await client.listCustomers({ offset, limit: 1000 });
    for (const customer of page.customers) names.set(customer.id, customer.name);
    offset += page.customers.length;
    if (page.customers.length === 0 || offset >= page.total) return names;
  }
}
