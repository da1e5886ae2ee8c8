import type { EndCallResult, SessionList } from '@sbc/contract';
import type { Context } from 'koa';
import { scopeOf } from '../auth.js';
import { sessionNotFound } from '../errors.js';
import type { OperationInput, WithDefaults } from '../contract-operation.js';
import { summarize } from '../domain/session-shape.js';
import type { RouteDeps } from './deps.js';

const jsonContentType = 'application/json; charset=utf-8';

export function sessionRoutes({ store, metrics, now, homeCountryCode }: RouteDeps) {
  return {
    getSession(ctx: Context, { path, principal }: OperationInput<'getSession'>) {
      // The stored JSON is already the response body: no parse and stringify on the hot path.
      const answer = (session: string | undefined) => {
        if (session === undefined) throw sessionNotFound();
        // The header as Koa's `ctx.type = 'application/json'` would write it, without its media-type
        // lookup (mime-types' `contentType`, a regular expression and a table) on every lookup.
        ctx.res.setHeader('Content-Type', jsonContentType);
        ctx.body = session;
      };
      // Synchronous when the store answers at once: no promise on the hottest path.
      const session = store.getSessionJson(path.id, scopeOf(principal));
      return session instanceof Promise ? session.then(answer) : answer(session);
    },

    async listSessions(ctx: Context, { query, principal }: OperationInput<'listSessions'>) {
      const q = query as WithDefaults<typeof query, 'offset' | 'limit'>;
      const { total, sessions } = await store.listSessions(
        {
          offset: q.offset,
          limit: q.limit,
          homeCountryCode,
          ...(q.number !== undefined ? { number: q.number } : {}),
          ...(q.customer !== undefined ? { customer: q.customer } : {}),
          ...(q.live !== undefined ? { live: q.live } : {}),
          ...(q.direction !== undefined ? { direction: q.direction } : {}),
          ...(q.international !== undefined ? { international: q.international } : {}),
        },
        scopeOf(principal),
      );
      const body: SessionList = { offset: q.offset, limit: q.limit, total, sessions: q.full ? sessions : sessions.map(summarize) };
      ctx.body = body;
    },

    async endCall(ctx: Context, { path, principal }: OperationInput<'endCall'>) {
      const request = await store.requestEnd(path.id, scopeOf(principal), now());
      if (!request.found) throw sessionNotFound();
      metrics.terminateRequested(request.outcome);
      const body: EndCallResult = { success: true, outcome: request.outcome, session: summarize(request.session) };
      ctx.body = body;
    },
  };
}
