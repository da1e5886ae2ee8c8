import { readFile } from 'node:fs/promises';
import type { Health } from '@sbc/contract';
import type { Context } from 'koa';
import { notReady } from '../errors.js';
import type { RouteDeps } from './deps.js';

/** The operations that tell about the server rather than its data: health, readiness, metrics, the contract itself. */
export function probeRoutes({ store, hub, metrics, contract, isShuttingDown }: RouteDeps) {
  return {
    getHealth(ctx: Context) {
      answerHealth(ctx, { status: 'ok' });
    },

    async getReadiness(ctx: Context) {
      if (isShuttingDown()) throw notReady('The server is shutting down');
      try {
        await store.ping();
      } catch (error) {
        throw notReady(`Database unavailable: ${error instanceof Error ? error.message : String(error)}`);
      }
      answerHealth(ctx, { status: 'ready' });
    },

    async getMetrics(ctx: Context) {
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render({ liveSessions: () => store.countLiveSessions(), eventSubscribers: () => hub.size });
    },

    getOpenApi(ctx: Context) {
      ctx.body = contract.document;
    },
  };
}

/**
 * Health answers leave as JSON text: for an object body Koa tests `instanceof Response`, and
 * the first such test loads Node's fetch implementation (about 50 ms), which a start waiting
 * for its first /readyz would otherwise pay.
 */
function answerHealth(ctx: Context, body: Health): void {
  ctx.type = 'application/json';
  ctx.body = JSON.stringify(body);
}

/** The published reference from @sbc/docs; a clear 503 until `pnpm docs:build` has built it. */
export async function serveDocs(ctx: Context, docsFile: string): Promise<void> {
  let html: string;
  try {
    html = await readFile(docsFile, 'utf8');
  } catch {
    throw notReady('The API reference is not built: run `pnpm docs:build`');
  }
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}
