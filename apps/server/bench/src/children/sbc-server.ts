import { startServer } from '@sbc/server';
import { DATASET_NOW } from '../dataset.js';
import { BENCH_SETTINGS } from '../settings.js';

/**
 * The product under test, in its own process: startServer on the database named by SBC_DB.
 * Its clock starts at the data set's "now" and runs at real speed, so the data set's live
 * calls are live and nothing in it is old enough for retention to delete, whatever the date.
 */
const startedAt = Date.now();
const server = await startServer({
  dbPath: process.env.SBC_DB as string,
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  logLevel: (process.env.LOG_LEVEL ?? 'info') as 'info',
  now: () => new Date(DATASET_NOW + (Date.now() - startedAt)),
  ...BENCH_SETTINGS,
});

process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
