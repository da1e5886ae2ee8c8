// What a database must do for the server: persistence only. Every rule (report merging, events,
// scopes, stale calls, tokens) is the domain's (domain/session-service.ts); a backend stores and
// reads what it is given, in one transaction when asked.
import type { Customer, Event, Session, SessionEvent, TerminateCommand } from '@sbc/contract';
import type { CustomerParents, SessionFilter, TokenRecord, UnansweredEndRequests } from '../domain/session-store.js';

/**
 * The database cannot be reached or dropped the connection (not: a statement was wrong). Thrown
 * by a backend so that the server answers 503 `database_unavailable` rather than 500.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(`database unavailable: ${message}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A stored session as a lookup by Call-ID reads it: its JSON text as stored, and its customers. */
export interface SessionRow {
  json: string;
  sourceCustomerId: string | null;
  destinationCustomerId: string | null;
}

/** An event as the domain builds it; the backend gives it its id. */
export type EventBody = Omit<SessionEvent, 'id'> | Omit<TerminateCommand, 'id'>;

/** Which sessions a list reads: all, or those with a source or destination customer among these. */
export type ListScope = { all: true } | { all: false; customers: string[] };

/** Live calls in one group (an SBC node, a direction, a customer, a peer); `key` null: calls without one. */
export interface GroupCount {
  key: string | null;
  calls: number;
}

/** The live calls of a scope, counted: totals, every SBC node and direction, and the top customers and peers. */
export interface LiveCounts {
  calls: number;
  answered: number;
  bySbcServer: GroupCount[];
  byDirection: GroupCount[];
  /** The `top` customers in the scope with the most live calls (a call counts for its source and destination), with their names. */
  topCustomers: Array<{ id: string; name: string | null; calls: number }>;
  /** The `top` peers (sourcePeer, destinationPeer) with the most live calls. */
  topPeers: Array<{ peer: string; calls: number }>;
}

/** The minutes of traffic statistics: `minutes` whole minutes from `from`. */
export interface TrafficWindow {
  from: string;
  minutes: number;
}

/** The calls that started in one minute (`YYYY-MM-DDTHH:MM`, UTC) and what became of them. */
export interface StartedInMinute {
  minute: string;
  started: number;
  answered: number;
  /** Ended without an answer. */
  failed: number;
  /** Answered and ended: the calls whose duration is known. */
  completed: number;
  /** The talk time of the completed calls, summed, in milliseconds. */
  talkMs: number;
}

/** The calls of a scope that ended in one minute. */
export interface EndedInMinute {
  minute: string;
  ended: number;
}

/** What traffic statistics are computed from: one consistent read of a scope's sessions. */
export interface TrafficCounts {
  live: LiveCounts;
  /** Calls that started at or after the window's start, by minute of their start. */
  startedByMinute: StartedInMinute[];
  /** Calls that ended at or after the window's start, by minute of their end. */
  endedByMinute: EndedInMinute[];
}

/** A new token as stored: only the hash of its secret. */
export interface NewTokenRow extends Omit<TokenRecord, 'revokedAt'> {
  hash: string;
}

/**
 * The reads and writes of one write transaction. What a write changes is seen by the reads after
 * it in the same transaction (two reports of one call in one batch).
 */
export interface WriteTransaction {
  /**
   * Says which sessions the work will read (a batch's calls): a backend may read them all at
   * once here rather than one by one. The work reads them through `session` all the same.
   */
  readAhead(callIds: string[]): Promise<void>;
  session(callId: string): Promise<Session | undefined>;
  /** Live sessions that started before `startedBefore` (or, without a start, were stored before it). */
  liveSessionsStartedBefore(startedBefore: Date, limit: number): Promise<Session[]>;
  /** Inserts a session, or replaces the stored one of its Call-ID. */
  putSession(session: Session, now: Date): Promise<void>;
  addEvent(body: EventBody, now: Date): Promise<Event>;
  /** When the call's pending terminate command was requested, if it has one. */
  terminateRequestedAt(callId: string): Promise<Date | undefined>;
  /** Stores the call's terminate command (at most one a call: replaces an earlier one). */
  putTerminate(callId: string, sbcServer: string, eventId: number, requestedAt: Date): Promise<void>;
  deleteTerminate(callId: string): Promise<void>;

  /**
   * Holds the lock of this name until the transaction ends, waiting for it when another
   * transaction (of this server or another on the same database) holds it: writes that take it
   * run one after another, and what they read after it includes every earlier one's commit.
   */
  lock(name: string): Promise<void>;
  /** Each customer's parent, as this transaction sees it. */
  customerTree(): Promise<CustomerParents>;
  /** Creates or replaces a customer; true when it is new. */
  putCustomer(customer: Customer): Promise<boolean>;
  countTokens(): Promise<number>;
  insertToken(token: NewTokenRow): Promise<void>;
}

/** Reads answer what is committed: never the rows of a transaction still open. */
export interface StoreBackend {
  /**
   * Runs `work` in one durable write transaction: all of it is committed, or none. `work` reads
   * and writes through `tx` (and may read customerTree): a backend may run one write at a time
   * and hold other reads until it commits, and would wait for itself.
   */
  transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T>;
  /**
   * Runs `work` while this server holds the lock of this name, which no other server on the
   * database (nor another run in this one) holds meanwhile; when another holds it, returns at once
   * without running `work`. Not waited for: the holder does the job. The lock goes when `work` ends, or
   * with the server's connection if the server dies.
   */
  alone<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }>;

  /** A backend that can answer at once (SQLite, when no write is open) does so: no promise on a lookup's path. */
  sessionRow(callId: string): SessionRow | undefined | Promise<SessionRow | undefined>;
  /** The session's JSON alone, as `sessionRow` answers it: what a caller who may read every session needs. */
  sessionJson(callId: string): string | undefined | Promise<string | undefined>;
  listSessions(filter: SessionFilter, scope: ListScope): Promise<{ total: number; sessions: Session[] }>;
  countLiveSessions(): Promise<number>;
  /**
   * The live calls of the scope and its calls in the window of `minutes` whole minutes from
   * `from` (an ISO timestamp at a minute's start; calls after the window count in its last
   * minute), counted in one consistent read; `top` bounds the customers and peers named.
   */
  trafficCounts(window: TrafficWindow, top: number, scope: ListScope): Promise<TrafficCounts>;
  /** Deletes a batch of sessions ended before `before`, and one of events stored before it. */
  deleteExpired(before: Date, batchSize: number): Promise<{ deletedSessions: number; deletedEvents: number }>;

  /** Events with an id above `afterId`, oldest first. */
  eventsAfter(afterId: number, limit: number): Promise<Event[]>;
  /** The newest event id committed, or 0. */
  newestEventId(): Promise<number>;
  /** Terminate commands for this SBC whose session has not ended yet, oldest first. */
  pendingTerminates(sbcServer: string): Promise<Event[]>;
  /** Terminate commands requested before `requestedBefore`, by SBC node. */
  unansweredEndRequests(requestedBefore: Date): Promise<UnansweredEndRequests[]>;

  getCustomer(id: string): Promise<Customer | undefined>;
  listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }>;
  deleteCustomer(id: string): Promise<boolean>;
  /** Each customer's parent as of now. */
  customerTree(): Promise<CustomerParents>;

  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes the token with this id or this hash (once: the first time is kept); false when none. */
  revokeToken(id: string, hash: string, now: Date): Promise<boolean>;

  /** Answers when the database answers and takes writes; rejects, saying why, while writes fail. */
  ping(): Promise<void>;
  /** Commits a write that changes nothing; rejects when the storage refuses writes. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
