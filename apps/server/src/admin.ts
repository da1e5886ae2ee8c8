import { runAdmin, usage, UsageError } from './admin-commands.js';
import { ConfigError, loadConfig } from './config.js';
import { SqliteSessionStore } from './store/sqlite-store.js';

/** `pnpm admin`: exit code 2 for a usage mistake, 78 for a bad configuration. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === 'help' || args.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  let store: SqliteSessionStore | undefined;
  try {
    const config = loadConfig();
    store = new SqliteSessionStore(config.dbPath);
    await runAdmin(args, store, (line) => process.stdout.write(`${line}\n`), config.homeCountryCode);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 78;
    } else throw error;
  } finally {
    await store?.close();
  }
}

await main();
