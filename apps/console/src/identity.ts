// Checks a pasted token and finds out who it belongs to and what it may do (`GET /sbc/whoami`).
import type { SbcClient, WhoAmI } from '@sbc/client';

/** Resolves with the token's holder; rejects with the API's refusal of the token. */
export function whoIsSignedIn(client: SbcClient): Promise<WhoAmI> {
  return client.whoAmI();
}

/**
 * Names of customers the token may see, by id: an administrator's are all of them; a reseller's
 * administrator may not list customers, so its own customer's name and those of the (at most
 * 100) customers of its tree with live calls now, as the traffic statistics name them.
 */
export async function customerNames(client: SbcClient, identity: WhoAmI): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (identity.customer?.name !== undefined) names.set(identity.customer.id, identity.customer.name);
  if (identity.operations.includes('listCustomers')) {
    for (let offset = 0; ; ) {
      const page = await client.listCustomers({ offset, limit: 1000 });
      for (const customer of page.customers) names.set(customer.id, customer.name);
      offset += page.customers.length;
      if (page.customers.length === 0 || offset >= page.total) return names;
    }
  }
  if (identity.operations.includes('getTrafficStats')) {
    const { live } = await client.trafficStats({ window: 1, top: 100 });
    for (const customer of live.topCustomers) if (customer.name !== undefined) names.set(customer.id, customer.name);
  }
  return names;
}
