// How both backends lay out what they keep in their tables: a session's list columns, and the
// rows of customers and tokens, with their way back to the domain's types.
import type { AccessLevel, Customer, Session } from '@sbc/contract';
import type { TokenRecord } from '../domain/session-store.js';

/** The columns that lists filter and sort on, derived from the session JSON held in `data`. */
export interface SessionColumns {
  started_key: string;
  ended: string | null;
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
