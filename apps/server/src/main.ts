import { ConfigError, loadConfig, type Config } from './config.js';
import { firstStartToken } from './first-start.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';

/** Exit code for a configuration the server refuses to start with (sysexits EX_CONFIG). */
const exitBadConfig = 78;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(exitBadConfig);
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel);
const server = await startServer({ ...config, logger });

// The first start gets an administrator token, shown once: only its hash is stored.
const shown = await firstStartToken(server.store, server.url);
if (shown) process.stdout.write(`${shown.join('\n')}\n`);
logger.info({ url: server.url, db: config.dbPath }, 'listening');

/** Exits once the asynchronous log destination has written out its last lines. */
function exit(log: Logger, code: number): void {
  log.flush(() => process.exit(code));
}

let signals = 0;
const shutdown = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) {
    logger.warn({ signal }, 'second signal: exiting at once');
    exit(logger, 130);
  }
  logger.info({ signal }, 'shutting down: finishing requests in flight');
  server.close().then(
    () => {
      logger.info('stopped');
      exit(logger, 0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      exit(logger, 1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
