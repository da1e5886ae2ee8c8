// The domain's API: what routes, jobs and the admin command line ask of the server's data (SessionStore)
// and the types they exchange. domain/session-service.ts implements it over a store/ backend.
import type { AccessLevel, Customer, EndCallResult, Event, operations, Session, SessionReport, TrafficStats } from '@sbc/contract';
import type { ReportRefusal } from './report-merge.js';

export interface TokenInput {
  level: AccessLevel;
  customerId?: string;
  name?: string;
  sbcServer?: string;
  /** When the token stops working. */
  expiresAt?: Date;
}

export interface TokenRecord {
  id: string;
  level: AccessLevel;
  customerId?: string;
  name?: string;
  sbcServer?: string;
  createdAt: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

/** Which sessions a caller may see: all of them, or those of a reseller's customer tree. */
export type Scope = { all: true } | { all: false; resellerId: string };

/** Each customer's parent reseller: a snapshot that scope checks of many events walk up. */
export type CustomerParents = ReadonlyMap<string, string | undefined>;

type ListSessionsQuery = NonNullable<operations['listSessions']['parameters']['query']>;

/**
 * The list operation's filters, as the contract's query parameters type them (paging filled in
 * from its defaults), and the server's home country code that `international` is judged against.
 */
export type SessionFilter = Pick<ListSessionsQuery, 'number' | 'customer' | 'live' | 'direction' | 'international'> &
  Required<Pick<ListSessionsQuery, 'offset' | 'limit'>> & { homeCountryCode: string };

/** A traffic statistics request: the window of `minutes` that ends `now`, and how many top customers and peers. */
export interface TrafficQuery {
  now: Date;
  minutes: number;
  top: number;
}

export interface ReportInput {
  callId: string;
  report: SessionReport;
  /** Who sent this report, when reports of several senders are applied together. */
  reporter?: Reporter;
}

/** Who sends reports: an SBC node bound to its address, or an administrator. */
export interface Reporter {
  sbcServer?: string;
}

export type ReportOutcome =
  | { result: 'created' | 'updated' | 'unchanged'; session: Session }
  | ({ result: 'rejected' } & ReportRefusal);

/** A customer write's outcome, or why it was refused (a sentence naming the field). */
export type CustomerWrite<T> = T | { refused: string };

/** What a request to end a call did; not found when the session does not exist or is outside the scope. */
export type EndRequest =
  | { found: false }
  | { found: true; outcome: EndCallResult['outcome']; session: Session; events: Event[] };

/** End requests of one SBC node that its SBC has not answered with the call's end. */
export interface UnansweredEndRequests {
  sbcServer: string;
  count: number;
  /** When the oldest of them was requested. */
  oldest: Date;
}

export interface Maintenance {
  deletedSessions: number;
  deletedEvents: number;
  endedStale: Event[];
}

/**
 * Everything the server keeps, with its rules applied: what routes, jobs and the admin command
 * line work with. Implemented once, by the domain layer (domain/session-service.ts), over a
 * database backend (store/backend.ts); openStore (store/open-store.ts) builds it.
 */
export interface SessionStore {
  getSession(callId: string, scope: Scope): Promise<Session | undefined>;
  /**
   * The same session as its stored JSON text, for answering without re-serialising it; at once
   * when the database answers at once (a lookup, the hottest path, then waits on no promise).
   */
  getSessionJson(callId: string, scope: Scope): string | undefined | Promise<string | undefined>;
  listSessions(filter: SessionFilter, scope: Scope): Promise<{ total: number; sessions: Session[] }>;
  /**
   * Applies reports in order in one durable transaction; returns one outcome per report and the
   * events they caused. `reporter` applies to each report that does not name its own.
   */
  applyReports(reports: ReportInput[], reporter: Reporter, now: Date): Promise<{ outcomes: ReportOutcome[]; events: Event[] }>;
  /** Marks a live session as termination requested (once) and stores the terminate command for its SBC. */
  requestEnd(callId: string, scope: Scope, now: Date): Promise<EndRequest>;
  /** Events with an id above `afterId`, oldest first. */
  eventsAfter(afterId: number, limit: number): Promise<Event[]>;
  /** The newest event id committed, or 0. */
  newestEventId(): Promise<number>;
  /** Terminate commands for this SBC whose session has not ended yet, oldest first. */
  pendingTerminates(sbcServer: string): Promise<Event[]>;
  /** Terminate commands requested before `requestedBefore` whose session has not ended yet, by SBC node. */
  unansweredEndRequests(requestedBefore: Date): Promise<UnansweredEndRequests[]>;
  /** Deletes a batch of ended sessions and events older than the retention, and ends stale calls. */
  maintain(now: Date, retentionHours: number, maxCallHours: number, batchSize: number): Promise<Maintenance>;
  countLiveSessions(): Promise<number>;
  /** Live calls and the window's per-minute traffic of the sessions in the scope (see domain/traffic-stats.ts). */
  trafficStats(query: TrafficQuery, scope: Scope): Promise<TrafficStats>;

  /**
   * Customer ids are kept in one case (see hex-ids.ts): every method here takes them in either.
   * Refused when its parent is not a customer or the tree would have a cycle, checked in the write
   * itself (two servers writing at once cannot make one together).
   */
  putCustomer(customer: Customer): Promise<CustomerWrite<{ created: boolean; customer: Customer }>>;
  getCustomer(id: string): Promise<Customer | undefined>;
  listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }>;
  /** Each customer's parent as of now (event streams check every event's scope against it). */
  customerTree(): Promise<CustomerParents>;
  /** The reseller and every customer below it, at any depth. */
  customersInScope(resellerId: string): Promise<string[]>;
  /** Creates or replaces many customers in one transaction, parents in any order; refused whole as putCustomer would refuse one. */
  importCustomers(customers: Customer[]): Promise<CustomerWrite<{ created: number; replaced: number }>>;
  /** Deletes a customer; false when there is none. Whether it may go is the caller's rule. */
  deleteCustomer(id: string): Promise<boolean>;

  createToken(input: TokenInput, now?: Date): Promise<{ token: string; id: string }>;
  /** The token record for a presented secret, whatever its state (revoked or expired included). */
  findToken(secret: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  /** Revokes by id or by the secret itself; false when no such token. */
  revokeToken(idOrSecret: string, now?: Date): Promise<boolean>;
  /** Creates this token only when the database has none yet (the first start's ADMIN token). */
  createFirstToken(input: TokenInput, now?: Date): Promise<{ token: string; id: string } | undefined>;

  /**
   * Runs `job` unless it is running already, on this server or another on the same database:
   * undefined, at once, when it is (the server running it does the work).
   */
  alone<T>(job: string, work: () => Promise<T>): Promise<T | undefined>;

  /** Answers when the database answers and takes writes; rejects, saying why, while writes fail. */
  ping(): Promise<void>;
  /** Commits a write that changes nothing; rejects when the storage refuses writes (a read-only file). */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
