import type { IngestResponse, IngestResult } from '@sbc/contract';
import type { Context } from 'koa';
import type { Principal } from '../auth.js';
import { ApiError, accessDenied, unprocessable } from '../errors.js';
import type { OperationInput } from '../contract-operation.js';
import type { Reporter } from '../domain/session-store.js';
import type { RouteDeps } from './deps.js';

/** An SBC token reports for its own node only; an administrator names the node in the report. */
function reporterOf(principal: Principal): Reporter {
  if (principal.level !== 'SBC') return {};
  if (principal.sbcServer === undefined) throw accessDenied();
  return { sbcServer: principal.sbcServer };
}

export function ingestRoutes({ ingestQueue }: RouteDeps) {
  return {
    async reportSession(ctx: Context, { path: { id: callId }, body: report, principal }: OperationInput<'reportSession'>) {
      if (report.callId !== undefined && report.callId !== callId) {
        throw unprocessable('callId', 'callId in the body differs from the Call-ID in the path');
      }
      const outcome = (await ingestQueue.submit([{ callId, report }], reporterOf(principal)))[0]!;
      if (outcome.result === 'rejected') throw new ApiError(outcome.status, outcome.field, outcome.description);
      ctx.status = outcome.result === 'created' ? 201 : 200;
      ctx.body = outcome.session;
    },

    async ingestSessions(ctx: Context, { body: { sessions }, principal }: OperationInput<'ingestSessions'>) {
      const reports = sessions.map((report) => ({ callId: report.callId, report }));
      const outcomes = await ingestQueue.submit(reports, reporterOf(principal));
      const response: IngestResponse = { created: 0, updated: 0, unchanged: 0, rejected: 0, results: [] };
      outcomes.forEach((outcome, i) => {
        const callId = reports[i]!.callId;
        response[outcome.result]++;
        const result: IngestResult =
          outcome.result === 'rejected'
            ? { callId, result: 'rejected', error: { status: outcome.status, message: outcome.field, description: outcome.description } }
            : { callId, result: outcome.result };
        response.results.push(result);
      });
      ctx.body = response;
    },
  };
}
