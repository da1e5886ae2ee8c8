import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, variables, type Config } from './config.js';
import { firstStartToken } from './first-start.js';
import { createLogger, type Logger } from './logger.js';
import { startServer } from './server.js';
import { StartError } from './start-failure.js';
import { printableLocation } from './store/open-store.js';

/** Exit code for a start refused as configured (sysexits EX_CONFIG): a bad variable, port, database. */
const exitCannotStart = 78;
/** Exit code for a command-line mistake, as for `pnpm admin`. */
const exitUsage = 2;

const usage = [
  'Usage: node dist/main.js [--help | --version]   (from the repository root: pnpm start)',
  '',
  'The SBC session API server. It takes no other argument: its settings come from the environment.',
  '',
  'Environment (default in brackets):',
  ...variables.map((v) => `  ${v.name.padEnd(Math.max(...variables.map((w) => w.name.length)))}  ${v.describe} [${v.fallback}]`),
  '',
  'Exit codes: 0 stopped by SIGTERM or SIGINT, 2 a usage mistake, 78 cannot start as configured',
  '(one line says what, where and what to do), 130 a second signal, 1 an unexpected fault.',
].join('\n');

/** --help and --version answer and exit without starting anything; any other argument is a mistake. */
function answerArguments(args: string[]): void {
  if (args.length === 0) return;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (args.includes('--version')) {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${version}\n`);
    process.exit(0);
  }
  process.stderr.write(`Unknown argument ${JSON.stringify(args[0])}: the server takes its settings from the environment (see --help)\n`);
  process.exit(exitUsage);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(exitCannotStart);
  }
}

/** Starts the server; a start refused for a reason a person must fix is one line and exit 78. */
async function start(config: Config, logger: Logger) {
  try {
    return await startServer({ ...config, logger });
  } catch (error) {
    if (!(error instanceof StartError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(exitCannotStart);
  }
}

answerArguments(process.argv.slice(2));
const config = readConfig();
const logger = createLogger(config.logLevel);
const server = await start(config, logger);

// The first start gets an administrator token, shown once: only its hash is stored.
const shown = await firstStartToken(server.store, server.url);
if (shown) process.stdout.write(`${shown.join('\n')}\n`);
logger.info({ url: server.url, db: printableLocation(config.dbPath) }, 'listening');

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
