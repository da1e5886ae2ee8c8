// How both backends lay out what they keep in their tables: a session's list columns, and the
// rows of customers and tokens, with their way back to the domain's types.
import type { AccessLevel, Customer, Session } from '@sbc/contract';
import type { TokenRecord } from '../domain/session-store.js';
import type { LiveCounts } from './backend.js';

/** The columns that lists filter and sort on, derived from the session JSON held in `data`. */
export interface SessionColumns {
  started_key: string;
  ended: string | null;
  /** When the call was answered: traffic statistics count answers without reading `data`. */
  answered: string | null;
  /** Milliseconds from answer to end, once an answered call has ended: the statistics' talk time. */
  talk_ms: number | null;
  /** 1 while the call is live, else 0 (PostgreSQL reads these as a boolean too). */
  live: number;
  direction: string | null;
  a_number: string | null;
  b_number: string | null;
  source_customer_id: string | null;
  destination_customer_id: string | null;
  sbc_server: string | null;
}

export const sessionColumns = [
  'started_key',
  'ended',
  'answered',
  'talk_ms',
  'live',
  'direction',
  'a_number',
  'b_number',
  'source_customer_id',
  'destination_customer_id',
  'sbc_server',
] as const satisfies ReadonlyArray<keyof SessionColumns>;

export interface TokenRow {
  id: string;
  level: AccessLevel;
  customer_id: string | null;
  name: string | null;
  sbc_server: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface CustomerRow {
  id: string;
  name: string;
  parent_reseller: string | null;
  features: string;
}

export function columnsOf(session: Session): SessionColumns {
  return {
    started_key: session.started ?? '',
    ended: session.ended ?? null,
    answered: session.answered ?? null,
    talk_ms: session.answered !== undefined && session.ended !== undefined ? Date.parse(session.ended) - Date.parse(session.answered) : null,
    live: session.ended === undefined ? 1 : 0,
    direction: session.direction ?? null,
    a_number: session.aNumber ?? null,
    b_number: session.bNumber ?? null,
    source_customer_id: session.sourceCustomerId ?? null,
    destination_customer_id: session.destinationCustomerId ?? null,
    // The contract types an IP address as a oneOf of string formats; it is a string.
    sbc_server: (session.sbcServer as string | undefined) ?? null,
  };
}

export function toCustomer(row: CustomerRow): Customer {
  const features = JSON.parse(row.features) as Customer['features'];
  return row.parent_reseller === null
    ? { id: row.id, name: row.name, features }
    : { id: row.id, name: row.name, parentReseller: row.parent_reseller, features };
}

export function toToken(row: TokenRow): TokenRecord {
  const token: TokenRecord = { id: row.id, level: row.level, createdAt: new Date(row.created_at) };
  if (row.customer_id !== null) token.customerId = row.customer_id;
  if (row.name !== null) token.name = row.name;
  if (row.sbc_server !== null) token.sbcServer = row.sbc_server;
  if (row.expires_at !== null) token.expiresAt = new Date(row.expires_at);
  if (row.revoked_at !== null) token.revokedAt = new Date(row.revoked_at);
  return token;
}

/** One row of the live-calls query of both stores: a group of one `kind`, its key and its calls. */
export interface LiveGroupRow {
  kind: 'sbc' | 'direction' | 'customer' | 'peer';
  key: string | null;
  calls: number;
  /** Of the calls, the answered ones (given for the SBC groups, which together hold every live call). */
  answered: number | null;
  /** A customer's name, when it is a stored customer. */
  name: string | null;
}

/** The live-calls query's rows as LiveCounts: the totals are the sums over the SBC groups. */
export function liveCountsOf(rows: readonly LiveGroupRow[]): LiveCounts {
  const counts: LiveCounts = { calls: 0, answered: 0, bySbcServer: [], byDirection: [], topCustomers: [], topPeers: [] };
  for (const { kind, key, calls, answered, name } of rows) {
    if (kind === 'sbc') {
      counts.calls += calls;
      counts.answered += answered ?? 0;
      counts.bySbcServer.push({ key, calls });
    } else if (kind === 'direction') counts.byDirection.push({ key, calls });
    else if (kind === 'customer') counts.topCustomers.push({ id: key!, name, calls });
    else counts.topPeers.push({ peer: key!, calls });
  }
  return counts;
}
