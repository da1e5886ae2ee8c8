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
  // The retention stage's: a backlog past retention, and the job soon after start.
  ...(process.env.RETENTION_HOURS ? { retentionHours: Number(process.env.RETENTION_HOURS) } : {}),
  ...(process.env.JOB_INTERVAL_SECONDS ? { jobIntervalSeconds: Number(process.env.JOB_INTERVAL_SECONDS) } : {}),
});

process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
