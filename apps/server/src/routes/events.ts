import type { Context } from 'koa';
import { presentedToken, type Authenticator } from '../auth.js';
import { eventFilter } from '../events/filter.js';
import { EventStream } from '../events/stream.js';
import type { OperationInput } from '../contract-operation.js';
import type { RouteDeps } from './deps.js';

export function eventRoutes(deps: RouteDeps, authenticator: Authenticator) {
  const streamDeps = { ...deps, authenticator, accessLevels: deps.contract.operation('streamEvents').accessLevels };
  return {
    async streamEvents(ctx: Context, { query, header, principal }: OperationInput<'streamEvents'>) {
      const lastEventId = header['Last-Event-ID'] === undefined ? undefined : Number(header['Last-Event-ID']);
      const stream = new EventStream(streamDeps, ctx, { principal, secret: presentedToken(ctx)!, accepts: eventFilter(principal, query) });
      await stream.subscribe(lastEventId);
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('X-Accel-Buffering', 'no');
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.body = stream.body;
      // Koa sends the headers once this handler returns; the stream fills from here on.
      void stream.start(lastEventId);
    },
  };
}
