// The domain layer: every rule of what the server keeps, over a backend that only stores and
// reads (store/backend.ts). Routes, jobs and the admin command line work with this.
import type { Customer, Event, Session, SessionEvent, TerminateCommand, TrafficStats } from '@sbc/contract';
import { hashToken } from '../auth.js';
import { canonicalCustomer, canonicalHexId } from '../hex-ids.js';
import type { EventBody, ListScope, SessionRow, StoreBackend, WriteTransaction } from '../store/backend.js';
import type {
  CustomerParents,
  CustomerWrite,
  EndRequest,
  Maintenance,
  ReportInput,
  ReportOutcome,
  Reporter,
  Scope,
  SessionFilter,
  SessionStore,
  TokenInput,
  TrafficQuery,
  TokenRecord,
  UnansweredEndRequests,
} from './session-store.js';
import { customersBelow, parentProblem, scopeIncludes } from './customer-tree.js';
import { mergeReport, type Milestone } from './report-merge.js';
import { normalizeSession, summarize } from './session-shape.js';
import { RecentAnswers } from './recent-answers.js';
import { statsMaxAgeSeconds, trafficStats, windowStart } from './traffic-stats.js';
import { newToken } from './tokens.js';

/**
 * Where committed events go: the server's event hub. Given on SQLite only: on PostgreSQL the
 * node's event feed publishes every node's events, this one's included (store/open-store.ts).
 */
export interface EventSink {
  publish(events: readonly Event[]): void;
}

/**
 * Every rule over one backend. Each write that makes events hands them to `events` once its
 * transaction has committed: the one place events are published from.
 */
export class SessionService implements SessionStore {
  /** Traffic statistics by scope, window and top: a wall of consoles polling them costs one count per few seconds. */
  private readonly recentStats = new RecentAnswers<TrafficStats>(statsMaxAgeSeconds * 1000, 100);

  constructor(
    private readonly backend: StoreBackend,
    private readonly events: EventSink = { publish() {} },
  ) {}

  /** Runs a write transaction, then publishes the events it made. */
  private async publishing<T>(work: (tx: WriteTransaction) => Promise<T>, eventsOf: (result: T) => readonly Event[]): Promise<T> {
    const result = await this.backend.transaction(work);
    this.events.publish(eventsOf(result));
    return result;
  }

  async getSession(callId: string, scope: Scope): Promise<Session | undefined> {
    const json = await this.getSessionJson(callId, scope);
    return json === undefined ? undefined : (JSON.parse(json) as Session);
  }

  getSessionJson(callId: string, scope: Scope): string | undefined | Promise<string | undefined> {
    // An ADMIN's lookup (the hot path) reads the JSON alone, as a string: no row to build, no customer ids.
    if (scope.all) return this.backend.sessionJson(callId);
    return Promise.resolve(this.backend.sessionRow(callId)).then((row) => row && this.jsonInScope(row, scope));
  }

  private async jsonInScope(row: SessionRow, scope: Scope): Promise<string | undefined> {
    return (await this.inScope(scope, row.sourceCustomerId, row.destinationCustomerId)) ? row.json : undefined;
  }

  private async inScope(scope: Scope, ...customerIds: Array<string | null | undefined>): Promise<boolean> {
    return scope.all || scopeIncludes(scope, await this.backend.customerTree(), ...customerIds);
  }

  async listSessions(asked: SessionFilter, scope: Scope): Promise<{ total: number; sessions: Session[] }> {
    const filter = storedTerms(asked);
    if (scope.all) return this.backend.listSessions(filter, scope);
    // A reseller's customer filter narrows its scope to that customer, or to nothing outside it.
    const tree = await this.customersInScope(scope.resellerId);
    const customers = filter.customer === undefined ? tree : tree.includes(filter.customer) ? [filter.customer] : [];
    return this.backend.listSessions(filter, { all: false, customers });
  }

  async trafficStats({ now, minutes, top }: TrafficQuery, scope: Scope): Promise<TrafficStats> {
    // The same scope as a list's: a call counts when its source or destination customer is in the tree.
    const listScope: ListScope = scope.all ? scope : { all: false, customers: await this.customersInScope(scope.resellerId) };
    const key = JSON.stringify([listScope, minutes, top]);
    return this.recentStats.get(key, now.getTime(), async () => {
      const counts = await this.backend.trafficCounts({ from: windowStart(now, minutes).toISOString(), minutes }, top, listScope);
      return trafficStats(now, minutes, counts);
    });
  }

  async applyReports(reports: ReportInput[], reporter: Reporter, now: Date): Promise<{ outcomes: ReportOutcome[]; events: Event[] }> {
    return this.publishing(async (tx) => {
      const outcomes: ReportOutcome[] = [];
      const events: Event[] = [];
      await tx.readAhead(reports.map((r) => r.callId));
      // Every session is merged and put before the first event: a store that makes event-writing
      // transactions take turns (PostgreSQL) writes the sessions before its turn begins. The
      // events come after, in the order of the reports.
      const changed: Array<{ existing: Session | undefined; session: Session; reached: Milestone[] }> = [];
      for (const { callId, report, reporter: own } of reports) {
        const existing = await tx.session(callId);
        const merged = mergeReport(existing, callId, report, { now, reporterSbc: (own ?? reporter).sbcServer });
        if (!merged.ok) {
          outcomes.push({ result: 'rejected', status: merged.status, field: merged.field, description: merged.description });
          continue;
        }
        if (!merged.changed) {
          outcomes.push({ result: 'unchanged', session: merged.session });
          continue;
        }
        await tx.putSession(merged.session, now);
        changed.push({ existing, session: merged.session, reached: merged.reached });
        outcomes.push({ result: existing ? 'updated' : 'created', session: merged.session });
      }
      for (const { existing, session, reached } of changed) {
        for (const milestone of reached) events.push(await tx.addEvent(sessionEvent(milestone, session, session[milestone]!), now));
        if (reached.includes('ended')) await tx.deleteTerminate(session.callId);
        else if (existing && session.sbcServer !== existing.sbcServer) {
          const command = await followOwner(tx, session, now);
          if (command) events.push(command);
        }
      }
      return { outcomes, events };
    }, (result) => result.events);
  }

  async requestEnd(callId: string, scope: Scope, now: Date): Promise<EndRequest> {
    return this.publishing(async (tx): Promise<EndRequest> => {
      const stored = await tx.session(callId);
      if (!stored || !(await this.inScope(scope, stored.sourceCustomerId, stored.destinationCustomerId))) return { found: false };
      if (stored.ended !== undefined) return { found: true, outcome: 'alreadyEnded', session: stored, events: [] };
      if (stored.terminationRequested !== undefined) return { found: true, outcome: 'alreadyRequested', session: stored, events: [] };
      const time = now.toISOString();
      const session = normalizeSession({ ...stored, terminationRequested: time });
      await tx.putSession(session, now);
      const events = [await tx.addEvent(sessionEvent('terminationRequested', session, time), now)];
      if (session.sbcServer !== undefined) events.push(await issueTerminate(tx, callId, session.sbcServer, now, now));
      return { found: true, outcome: 'requested', session, events };
    }, (request) => (request.found ? request.events : []));
  }

  eventsAfter(afterId: number, limit: number): Promise<Event[]> {
    return this.backend.eventsAfter(afterId, limit);
  }

  newestEventId(): Promise<number> {
    return this.backend.newestEventId();
  }

  pendingTerminates(sbcServer: string): Promise<Event[]> {
    return this.backend.pendingTerminates(sbcServer);
  }

  unansweredEndRequests(requestedBefore: Date): Promise<UnansweredEndRequests[]> {
    return this.backend.unansweredEndRequests(requestedBefore);
  }

  async maintain(now: Date, retentionHours: number, maxCallHours: number, batchSize: number): Promise<Maintenance> {
    const endedStale = await this.endStaleCalls(now, new Date(now.getTime() - maxCallHours * 3_600_000), batchSize);
    const deleted = await this.backend.deleteExpired(new Date(now.getTime() - retentionHours * 3_600_000), batchSize);
    return { ...deleted, endedStale };
  }

  /**
   * A call still live after MAX_CALL_HOURS lost its end report: it ends as a timeout by the
   * system, at the latest of now and its own times, and its pending terminate command goes.
   */
  private endStaleCalls(now: Date, startedBefore: Date, batchSize: number): Promise<Event[]> {
    return this.publishing(async (tx) => {
      const events: Event[] = [];
      for (const stale of await tx.liveSessionsStartedBefore(startedBefore, batchSize)) {
        const ended = latest(now.toISOString(), stale.started, stale.answered);
        const session = { ...stale, ended, endedReason: stale.endedReason ?? 'TIMEOUT', endedBy: stale.endedBy ?? 'S' } as Session;
        await tx.putSession(session, now);
        await tx.deleteTerminate(session.callId);
        events.push(await tx.addEvent(sessionEvent('ended', session, ended), now));
      }
      return events;
    }, (events) => events);
  }

  countLiveSessions(): Promise<number> {
    return this.backend.countLiveSessions();
  }

  async putCustomer(input: Customer): Promise<CustomerWrite<{ created: boolean; customer: Customer }>> {
    const customer = canonicalCustomer(input);
    return this.backend.transaction(async (tx) => {
      const problem = await treeProblem(tx, [customer]);
      if (problem) return { refused: problem.message };
      return { created: await tx.putCustomer(customer), customer };
    });
  }

  getCustomer(id: string): Promise<Customer | undefined> {
    return this.backend.getCustomer(canonicalHexId(id));
  }

  listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }> {
    return this.backend.listCustomers(offset, limit);
  }

  customerTree(): Promise<CustomerParents> {
    return this.backend.customerTree();
  }

  async customersInScope(resellerId: string): Promise<string[]> {
    return customersBelow(await this.backend.customerTree(), canonicalHexId(resellerId));
  }

  async importCustomers(input: Customer[]): Promise<CustomerWrite<{ created: number; replaced: number }>> {
    const customers = input.map(canonicalCustomer);
    return this.backend.transaction(async (tx) => {
      const problem = await treeProblem(tx, customers);
      if (problem) return { refused: `Customer ${problem.id}: ${problem.message}` };
      let created = 0;
      for (const customer of customers) if (await tx.putCustomer(customer)) created++;
      return { created, replaced: customers.length - created };
    });
  }

  deleteCustomer(id: string): Promise<boolean> {
    return this.backend.deleteCustomer(id);
  }

  createToken(input: TokenInput, now: Date = new Date()): Promise<{ token: string; id: string }> {
    return this.backend.transaction((tx) => insertNewToken(tx, input, now));
  }

  /**
   * Counted and created under one lock: servers starting together on an empty database make one
   * first token between them, whichever counts first.
   */
  createFirstToken(input: TokenInput, now: Date = new Date()): Promise<{ token: string; id: string } | undefined> {
    return this.backend.transaction(async (tx) => {
      await tx.lock(tokensLock);
      return (await tx.countTokens()) > 0 ? undefined : insertNewToken(tx, input, now);
    });
  }

  findToken(secret: string): Promise<TokenRecord | undefined> {
    return this.backend.findTokenByHash(hashToken(secret));
  }

  listTokens(): Promise<TokenRecord[]> {
    return this.backend.listTokens();
  }

  revokeToken(idOrSecret: string, now: Date = new Date()): Promise<boolean> {
    return this.backend.revokeToken(idOrSecret, hashToken(idOrSecret), now);
  }

  async alone<T>(job: string, work: () => Promise<T>): Promise<T | undefined> {
    const run = await this.backend.alone(job, work);
    return run.ran ? run.result : undefined;
  }

  ping(): Promise<void> {
    return this.backend.ping();
  }

  checkWritable(): Promise<void> {
    return this.backend.checkWritable();
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

/**
 * A list's filter in the terms sessions are stored in: customer ids in their one case, and a
 * number's leading space read as the `+` it was before a query string's decoding made it one.
 */
function storedTerms(filter: SessionFilter): SessionFilter {
  const terms = { ...filter };
  if (filter.customer !== undefined) terms.customer = canonicalHexId(filter.customer);
  if (filter.number !== undefined) terms.number = filter.number.replace(/^ /, '+');
  return terms;
}

/** Writes that change customers, and those that must see every committed customer, take this lock first. */
const customersLock = 'customers';
/** Writes that count tokens before adding one take this lock first. */
const tokensLock = 'tokens';

/**
 * Why these customers cannot be written as they are: each parent must exist (in the stored tree
 * or among them) and no chain of parents may come back. Read under the customers lock, so that
 * two servers writing at once cannot each pass the check and make a cycle together.
 */
async function treeProblem(tx: WriteTransaction, customers: Customer[]): Promise<{ id: string; message: string } | undefined> {
  await tx.lock(customersLock);
  const parents = new Map(await tx.customerTree());
  for (const customer of customers) parents.set(customer.id, customer.parentReseller);
  for (const { id, parentReseller } of customers) {
    const problem = parentProblem(id, parentReseller, parents);
    if (problem === undefined) continue;
    const message =
      'unknown' in problem
        ? `parentReseller ${problem.unknown} is not a known customer`
        : `parentReseller ${parentReseller} would make ${id} its own reseller`;
    return { id, message };
  }
  return undefined;
}

async function insertNewToken(tx: WriteTransaction, input: TokenInput, now: Date): Promise<{ token: string; id: string }> {
  const { token, id } = newToken();
  await tx.insertToken({
    id,
    hash: hashToken(token),
    level: input.level,
    createdAt: now,
    ...(input.customerId !== undefined ? { customerId: canonicalHexId(input.customerId) } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.sbcServer !== undefined ? { sbcServer: input.sbcServer } : {}),
    ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
  });
  return { token, id };
}

function sessionEvent(type: SessionEvent['type'], session: Session, time: string): EventBody {
  return { type, callId: session.callId, time, session: summarize(session) };
}

/**
 * Stores the terminate command of a call for one SBC node, replacing any earlier one: a
 * session has at most one pending command, and only its owner gets it.
 */
async function issueTerminate(tx: WriteTransaction, callId: string, sbcServer: TerminateCommand['sbcServer'], requestedAt: Date, now: Date): Promise<Event> {
  const command = await tx.addEvent({ type: 'terminate', callId, sbcServer, time: requestedAt.toISOString() }, now);
  // The contract types an IP address as a oneOf of string formats; it is a string.
  await tx.putTerminate(callId, sbcServer as string, command.id, requestedAt);
  return command;
}

/**
 * A session moved to another SBC node (an administrator's report) takes its pending terminate
 * command along: issued anew to the new owner, and no longer sent to the old one, whose end
 * report would now be refused.
 */
async function followOwner(tx: WriteTransaction, session: Session, now: Date): Promise<Event | undefined> {
  const requestedAt = await tx.terminateRequestedAt(session.callId);
  if (requestedAt === undefined || session.sbcServer === undefined) return undefined;
  return issueTerminate(tx, session.callId, session.sbcServer, requestedAt, now);
}

function latest(...times: Array<string | undefined>): string {
  return times.filter((t): t is string => t !== undefined).sort().at(-1)!;
}
