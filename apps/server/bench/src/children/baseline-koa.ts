import Router from '@koa/router';
import Database from 'better-sqlite3';
import Koa from 'koa';

/**
 * Baseline 2: the same lookup as baseline 1 in a bare Koa app with one @koa/router route:
 * what the framework itself costs, before any of the product's middleware.
 */
const db = new Database(process.env.SBC_DB, { fileMustExist: true });
const lookup = db.prepare('SELECT data FROM sessions WHERE call_id = ?').pluck();

const router = new Router();
router.get('/readyz', (ctx) => {
  ctx.body = { status: 'ready' };
});
router.get('/sbc/session/:id', (ctx) => {
  const data = lookup.get(ctx.params['id']) as string | undefined;
  if (data === undefined) {
    ctx.status = 404;
    return;
  }
  ctx.type = 'application/json';
  ctx.body = data;
});

const app = new Koa();
app.use(router.routes());
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => db.close()));
