import type { Context } from 'koa';
import { scopeOf } from '../auth.js';
import { badRequest } from '../errors.js';
import type { OperationInput, WithDefaults } from '../contract-operation.js';
import { windowProblem } from '../domain/traffic-stats.js';
import type { RouteDeps } from './deps.js';

export function statsRoutes({ store, now, retentionHours }: RouteDeps) {
  return {
    async getTrafficStats(ctx: Context, { query, principal }: OperationInput<'getTrafficStats'>) {
      const { window, top } = query as WithDefaults<typeof query, 'window' | 'top'>;
      const problem = windowProblem(window, retentionHours);
      if (problem) throw badRequest('window', problem);
      ctx.body = await store.trafficStats({ now: now(), minutes: window, top }, scopeOf(principal));
    },
  };
}
