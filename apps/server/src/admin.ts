// `pnpm admin` / `sbc-admin`: the admin command line's process. Reads the command line first
// (help and usage mistakes need no database), then opens SBC_DB and runs the command.
// Exit codes: 2 for a usage mistake or refused input, 78 for a bad configuration.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CommandUsageError, parseAdmin, usage, UsageError, type ParsedAdmin } from './admin-commands.js';
import { ConfigError, loadConfig } from './config.js';
import { openStore } from './store/open-store.js';
import type { SessionStore } from './domain/session-store.js';

const exitUsage = 2;
const exitBadConfig = 78;

const program = basename(process.argv[1] ?? '').startsWith('sbc-admin') ? 'sbc-admin' : 'pnpm admin';
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

// `pnpm admin token list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

function version(): string {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `sbc-admin ${version}`;
}

async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    out(version());
    return 0;
  }
  let parsed: ParsedAdmin;
  try {
    parsed = parseAdmin(args, program);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${program}${error instanceof CommandUsageError ? ' ' : ': '}${error.message}\n\n${error instanceof CommandUsageError ? error.usage : usage(program)}`);
    return exitUsage;
  }
  if ('help' in parsed) {
    out(parsed.help);
    return 0;
  }
  let store: SessionStore | undefined;
  try {
    const config = loadConfig();
    // One command at a time: a connection for its reads and one for its writes (PostgreSQL).
    store = await openStore(config.dbPath, { poolSize: 2 });
    await parsed.run({ store, print: out, note: err, homeCountryCode: config.homeCountryCode, baseDir: process.env['INIT_CWD'] ?? process.cwd() });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${program} ${args.slice(0, args[0] === 'demo' ? 1 : 2).join(' ')}: ${error.message}`);
      return exitUsage;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      return exitBadConfig;
    }
    throw error;
  } finally {
    await store?.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
