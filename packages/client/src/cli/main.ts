// The `sbc` command line: parses the arguments, runs one command against the API, prints the
// result, and turns failures into one line and an exit code (see failure.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createSbcClient, type SbcClient } from '../client.js';
import type { EventType, ListSessionsQuery } from '../types.js';
import { describeFailure, exitCodes, Failure, UsageError } from './failure.js';
import { endCallLine, eventLine, sessionDetails, sessionTable } from './format.js';
import { help } from './help.js';

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
        await list(client, listQuery(values as ListValues), values.all === true, json, io, now());
        break;
      case 'watch':
        noPositionals(positionals, 'sbc watch');
        await watch(client, values as WatchValues, json, io);
        break;
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
    return parseArgs({ args, options: commandOptions[command] as typeof commandOptions.list & typeof commandOptions.watch, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see sbc ${command} --help)`);
  }
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

async function list(client: SbcClient, query: ListSessionsQuery, all: boolean, json: boolean, io: CliIo, now: Date) {
  const width = io.stdout.isTTY ? (io.stdout.columns ?? 80) : undefined;
  if (all) {
    const { offset: _ignored, ...filters } = query;
    const sessions = [];
    for await (const session of client.listAllSessions(filters)) sessions.push(session);
    io.stdout.write(json ? `${JSON.stringify(sessions, null, 2)}\n` : sessionTable(sessions, now, width));
    return;
  }
  const page = await client.listSessions(query);
  if (json) {
    io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return;
  }
  io.stdout.write(sessionTable(page.sessions, now, width));
  const last = page.offset + page.sessions.length;
  const more = last < page.total ? ` (--offset ${last} for more, or --all)` : '';
  io.stdout.write(`${page.sessions.length ? `${page.offset + 1}-${last}` : 'none'} of ${page.total}${more}\n`);
}

interface WatchValues {
  types?: string[];
  customer?: string;
  number?: string;
  'last-event-id'?: string;
}

async function watch(client: SbcClient, values: WatchValues, json: boolean, io: CliIo) {
  const types = values.types?.flatMap((t) => t.split(',')).filter(Boolean) as EventType[] | undefined;
  const events = client.events({
    ...(types?.length ? { types } : {}),
    ...(values.customer !== undefined ? { customer: values.customer } : {}),
    ...(values.number !== undefined ? { number: values.number } : {}),
    ...(values['last-event-id'] !== undefined ? { lastEventId: values['last-event-id'] } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  for await (const event of events) io.stdout.write(json ? `${JSON.stringify(event)}\n` : eventLine(event));
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
