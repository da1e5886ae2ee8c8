// The `sbc` command line: parses the arguments, runs one command against the API, prints the
// result, and turns failures into one line and an exit code (see failure.ts).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createSbcClient, type SbcClient } from '../client.js';
import type { EventType, ListSessionsQuery } from '../types.js';
import { describeFailure, exitCodes, Failure, UsageError } from './failure.js';
import { endCallLine, eventLine, localTime, sessionDetails, sessionTable, type LocalTime } from './format.js';
import { help } from './help.js';
import { trafficReport, whoAmIDetails } from './stats-format.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** Ends `watch` (Ctrl-C). */
  signal?: AbortSignal;
  /** For tests: a fetch instead of the global one, and the clock for durations. */
  fetch?: (request: Request) => Promise<Response>;
  now?: () => Date;
}

const common = {
  url: { type: 'string' },
  token: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const commandOptions = {
  get: common,
  end: common,
  list: {
    ...common,
    number: { type: 'string' },
    customer: { type: 'string' },
    live: { type: 'boolean' },
    direction: { type: 'string' },
    international: { type: 'boolean' },
    full: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
    all: { type: 'boolean' },
  },
  watch: {
    ...common,
    types: { type: 'string', multiple: true },
    customer: { type: 'string' },
    number: { type: 'string' },
    'last-event-id': { type: 'string' },
  },
  stats: {
    ...common,
    window: { type: 'string' },
    top: { type: 'string' },
  },
  whoami: common,
} as const satisfies Record<string, ParseArgsConfig['options']>;

type Command = keyof typeof commandOptions;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(help.sbc);
    return exitCodes.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help.sbc);
    return exitCodes.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`sbc ${version()}\n`);
    return exitCodes.ok;
  }
  if (!(name in commandOptions)) {
    io.stderr.write(`sbc: unknown command: ${name} (see sbc --help)\n`);
    return exitCodes.usage;
  }
  const command = name as Command;
  let url = io.env['SBC_API_URL'] || 'http://127.0.0.1:8080';
  let subject: { kind: string; id: string } | undefined;
  try {
    const { values, positionals } = parse(command, rest);
    if (values.help) {
      io.stdout.write(help[command]);
      return exitCodes.ok;
    }
    url = values.url ?? url;
    checkUrl(url);
    const token = values.token ?? io.env['SBC_API_TOKEN'];
    if (!token) throw new Failure('no token: set SBC_API_TOKEN or pass --token', exitCodes.auth);
    const client = createSbcClient({
      baseUrl: url,
      token,
      timeoutMs: values.timeout === undefined ? 10_000 : integer('--timeout', values.timeout),
      // A watch outlives restarts of the server: it keeps reconnecting for a minute or so.
      ...(command === 'watch' ? { retries: { attempts: 10, baseDelayMs: 500, maxDelayMs: 15_000 } } : {}),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
    const now = io.now ?? (() => new Date());
    const json = values.json === true;
    const time = localTime(io.env['TZ']);
    switch (command) {
      case 'get': {
        const callId = onePositional(positionals, 'sbc get <callId>');
        subject = { kind: 'session', id: callId };
        const session = await client.getSession(callId);
        io.stdout.write(json ? `${JSON.stringify(session, null, 2)}\n` : sessionDetails(session, now()));
        break;
      }
      case 'end': {
        const callId = onePositional(positionals, 'sbc end <callId>');
        subject = { kind: 'session', id: callId };
        const result = await client.endCall(callId);
        io.stdout.write(json ? `${JSON.stringify(result)}\n` : endCallLine(result));
        break;
      }
      case 'list':
        noPositionals(positionals, 'sbc list');
        await list(client, listQuery(values), values.all === true, json, io, now(), time);
        break;
      case 'watch':
        noPositionals(positionals, 'sbc watch');
        await watch(client, values, json, io, time);
        break;
      case 'stats': {
        noPositionals(positionals, 'sbc stats');
        const stats = await client.trafficStats({
          ...(values.window !== undefined ? { window: integer('--window', values.window) } : {}),
          ...(values.top !== undefined ? { top: integer('--top', values.top) } : {}),
        });
        io.stdout.write(json ? `${JSON.stringify(stats, null, 2)}\n` : trafficReport(stats, time));
        break;
      }
      case 'whoami': {
        noPositionals(positionals, 'sbc whoami');
        const me = await client.whoAmI();
        io.stdout.write(json ? `${JSON.stringify(me, null, 2)}\n` : whoAmIDetails(me, time));
        break;
      }
    }
    return exitCodes.ok;
  } catch (error) {
    const failure = describeFailure(error, subject, url);
    io.stderr.write(`sbc ${command}: ${failure.message}\n`);
    return failure.exitCode;
  }
}

function parse(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: commandOptions[command] as typeof commandOptions.list & typeof commandOptions.watch & typeof commandOptions.stats, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${describeParseError(error as Error & { code?: string })} (see sbc ${command} --help)`);
  }
}

// Node's own messages quote unevenly and suggest `--` tricks; say what is wrong instead.
function describeParseError(error: Error & { code?: string }): string {
  const option = /'(-[^' ,]+)/.exec(error.message)?.[1] ?? 'an option';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (error.code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return error.message;
  return /argument missing/.test(error.message) ? `${option} needs a value` : `${option} takes no value`;
}

/** The API's base URL must be http(s); `localhost:8080` parses as a URL of the scheme `localhost:`. */
function checkUrl(url: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return;
  throw new UsageError(`the API URL ${url} is not an http:// or https:// URL${/^[\w.-]+:\d+/.test(url) ? ` (did you mean http://${url}?)` : ''}`);
}

function version(): string {
  // src/cli/main.ts and dist/cli/main.js both sit two levels below the package.
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

interface ListValues {
  number?: string;
  customer?: string;
  live?: boolean;
  direction?: string;
  international?: boolean;
  full?: boolean;
  limit?: string;
  offset?: string;
}

function listQuery(values: ListValues): ListSessionsQuery {
  const query: ListSessionsQuery = {};
  if (values.number !== undefined) query.number = values.number;
  if (values.customer !== undefined) query.customer = values.customer;
  if (values.live) query.live = true;
  if (values.international) query.international = true;
  if (values.full) query.full = true;
  if (values.direction !== undefined) {
    if (values.direction !== 'I' && values.direction !== 'O') throw new UsageError('--direction must be I or O');
    query.direction = values.direction;
  }
  if (values.limit !== undefined) query.limit = integer('--limit', values.limit);
  if (values.offset !== undefined) query.offset = integer('--offset', values.offset);
  return query;
}

async function list(client: SbcClient, query: ListSessionsQuery, all: boolean, json: boolean, io: CliIo, now: Date, time: LocalTime) {
  const width = io.stdout.isTTY ? (io.stdout.columns ?? 80) : undefined;
  const zone = `times in ${time.zone}`;
  if (all) {
    const { offset: _ignored, ...filters } = query;
    const sessions = [];
    for await (const session of client.listAllSessions(filters)) sessions.push(session);
    if (json) io.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`);
    else if (sessions.length === 0) io.stdout.write('no matching sessions\n');
    else io.stdout.write(`${sessionTable(sessions, now, width, time)}${sessions.length} sessions; ${zone}\n`);
    return;
  }
  const page = await client.listSessions(query);
  if (json) {
    io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return;
  }
  if (page.sessions.length === 0) {
    io.stdout.write(page.total === 0 ? 'no matching sessions\n' : `no sessions from --offset ${page.offset}: ${page.total} match\n`);
    return;
  }
  io.stdout.write(sessionTable(page.sessions, now, width, time));
  const last = page.offset + page.sessions.length;
  const more = last < page.total ? ` (--offset ${last} for more, or --all)` : '';
  io.stdout.write(`${page.offset + 1}-${last} of ${page.total}${more}; ${zone}\n`);
}

interface WatchValues {
  types?: string[];
  customer?: string;
  number?: string;
  'last-event-id'?: string;
}

async function watch(client: SbcClient, values: WatchValues, json: boolean, io: CliIo, time: LocalTime) {
  const types = values.types?.flatMap((t) => t.split(',')).filter(Boolean) as EventType[] | undefined;
  const events = client.events({
    ...(types?.length ? { types } : {}),
    ...(values.customer !== undefined ? { customer: values.customer } : {}),
    ...(values.number !== undefined ? { number: values.number } : {}),
    ...(values['last-event-id'] !== undefined ? { lastEventId: values['last-event-id'] } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  for await (const event of events) io.stdout.write(json ? `${JSON.stringify(event)}\n` : eventLine(event, time));
}

function onePositional(positionals: string[], usage: string): string {
  if (positionals.length !== 1 || positionals[0] === undefined) throw new UsageError(`usage: ${usage}`);
  return positionals[0];
}

function noPositionals(positionals: string[], command: string): void {
  if (positionals.length > 0) throw new UsageError(`${command} takes no argument: ${positionals.join(' ')}`);
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, not ${text}`);
  return Number(text);
}
