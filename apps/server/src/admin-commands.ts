// The admin command line's commands: tokens, customers and demo data, straight on the database.
// Each command declares its options (read with node:util parseArgs) and its help text.
import { isIP } from 'node:net';
import { accessLevels, loadContract, type AccessLevel } from '@sbc/contract';
import { readCustomers, validCustomer } from './admin-customers-file.js';
import { table } from './admin-table.js';
import { parseCommandLine, UsageError, type Options, type Values } from './admin-usage.js';
import { loadDemo } from './demo.js';
import type { SessionStore, TokenRecord } from './domain/session-store.js';

export { UsageError } from './admin-usage.js';

export type Print = (line: string) => void;

export interface AdminContext {
  store: SessionStore;
  /** A line of the command's output (stdout). */
  print: Print;
  /** A note beside the output (stderr), so that stdout stays what scripts read. */
  note: Print;
  homeCountryCode: string;
  /** Where the command was typed: relative file names are read from here. */
  baseDir: string;
}

interface Command<O extends Options> {
  synopsis: string;
  about: string;
  options: O;
  positionals: readonly string[];
  /** Options without which the command makes no sense: missing, they are a usage mistake. */
  required?: readonly (keyof O & string)[];
  run(values: Values<O>, positionals: string[], context: AdminContext): Promise<void>;
}

const command = <O extends Options>(definition: Command<O>) => definition;
const json = { json: { type: 'boolean' } } as const;

/**
 * Levels that at least one operation of the contract accepts; a token of any other gets 403
 * everywhere. Asking who it is (whoAmI, which every level may) is not acting.
 */
const levelsThatAct = new Set(
  [...loadContract().operations.values()]
    .filter((op) => op.requiresToken && !accessLevels.every((level) => op.accessLevels.includes(level)))
    .flatMap((op) => op.accessLevels.map((entry) => entry.split('+')[0])),
);

export function parseDuration(text: string): number {
  const match = /^([0-9]+)\s*(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`--expires-in ${text}: expected a number and a unit, such as 30d, 12h, 90m or 45s`);
  const ms = Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  if (ms === 0) throw new UsageError(`--expires-in ${text}: a token must live longer than 0`);
  return ms;
}

/** Why a token with these settings could never be used, or undefined when it can. */
function uselessToken(level: AccessLevel, customerId: string | undefined, sbcServer: string | undefined): string | undefined {
  if (!levelsThatAct.has(level)) {
    return `no operation accepts a ${level} token (every request would get 403); tokens that act: ${[...levelsThatAct].join(', ')}`;
  }
  if (level === 'RESELLER_ADMIN' && customerId === undefined) return 'a RESELLER_ADMIN token acts for its reseller: give --customer <id>';
  if (level !== 'RESELLER_ADMIN' && customerId !== undefined) return `--customer is only for RESELLER_ADMIN tokens (${level} is not bound to a customer)`;
  if (level === 'SBC' && sbcServer === undefined) return 'an SBC token needs --sbc-server <ip> of its node';
  if (level !== 'SBC' && sbcServer !== undefined) return `--sbc-server is only for SBC tokens, not ${level}`;
  return undefined;
}

function tokenState(token: TokenRecord, now: Date): 'active' | 'revoked' | 'expired' {
  if (token.revokedAt) return 'revoked';
  return token.expiresAt && token.expiresAt <= now ? 'expired' : 'active';
}

const commands = {
  'token create': command({
    synopsis: 'token create --level <LEVEL> [--customer <id>] [--name <label>] [--sbc-server <ip>] [--expires-in <duration>]',
    about: `Creates a token and prints it alone on the last line of stdout; only its SHA-256 hash is stored.
  --level <LEVEL>        ADMIN (everything), RESELLER_ADMIN (its reseller's customer tree; needs
                         --customer, and the TELE feature on that customer), or SBC (an SBC node's
                         reports; needs --sbc-server). No operation accepts the levels below
                         RESELLER_ADMIN, so they are refused.
  --customer <id>        the reseller a RESELLER_ADMIN token acts for
  --sbc-server <ip>      the node an SBC token reports for
  --name <label>         a label shown by token list
  --expires-in <time>    lifetime: a number and s, m, h or d (30d, 12h, 90m); default never`,
    options: { level: { type: 'string' }, customer: { type: 'string' }, name: { type: 'string' }, 'sbc-server': { type: 'string' }, 'expires-in': { type: 'string' } },
    positionals: [],
    required: ['level'],
    async run(values, _positionals, { store, print, note }) {
      const level = values.level as AccessLevel | undefined;
      if (!level || !accessLevels.includes(level)) throw new UsageError(`--level must be one of ${accessLevels.join(', ')}`);
      const { customer: customerId, name, 'sbc-server': sbcServer, 'expires-in': expiresIn } = values;
      if (sbcServer !== undefined && !isIP(sbcServer)) throw new UsageError(`--sbc-server ${sbcServer} is not an IP address`);
      const useless = uselessToken(level, customerId, sbcServer);
      if (useless) throw new UsageError(useless);
      if (customerId !== undefined) {
        const customer = await store.getCustomer(customerId);
        if (!customer) throw new UsageError(`--customer ${customerId} is not a known customer: add it with customer put first`);
        if (!customer.features.includes('TELE')) note(`Note: customer ${customerId} has no TELE feature; until it has, this token gets 403 on every operation.`);
      }
      const expiresAt = expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(expiresIn));
      const { token, id } = await store.createToken({
        level,
        ...(customerId !== undefined ? { customerId } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(sbcServer !== undefined ? { sbcServer } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      print(`Created ${level} token ${id}${expiresAt ? `, valid until ${expiresAt.toISOString()}` : ''}. It is shown only now:`);
      print(token);
    },
  }),
  'token list': command({
    synopsis: 'token list [--json]',
    about: `Lists every token: id, level, state (active, revoked, expired), customer, SBC node, name,
created, expiry. Never the token itself.
  --json                 a JSON array instead of the table`,
    options: json,
    positionals: [],
    async run(values, _positionals, { store, print }) {
      const now = new Date();
      const tokens = (await store.listTokens()).map((t) => ({
        id: t.id,
        level: t.level,
        state: tokenState(t, now),
        customerId: t.customerId,
        sbcServer: t.sbcServer,
        name: t.name,
        createdAt: t.createdAt.toISOString(),
        expiresAt: t.expiresAt?.toISOString(),
        revokedAt: t.revokedAt?.toISOString(),
      }));
      if (values.json) return print(JSON.stringify(tokens, null, 2));
      const rows = tokens.map((t) => [t.id, t.level, t.state, t.customerId, t.sbcServer, t.name, t.createdAt, t.expiresAt ?? 'never']);
      for (const line of table(['ID', 'LEVEL', 'STATE', 'CUSTOMER', 'SBC', 'NAME', 'CREATED', 'EXPIRES'], rows)) print(line);
    },
  }),
  'token revoke': command({
    synopsis: 'token revoke <token-or-id>',
    about: `Revokes a token, given as the token itself or its id (tok_...). A running server trusts a
token for up to a second after looking it up, so it stops working within a second.`,
    options: {},
    positionals: ['token-or-id'],
    async run(_values, [subject], { store, print }) {
      if (!(await store.revokeToken(subject!))) throw new UsageError(`no such token: ${subject}`);
      print('Revoked.');
    },
  }),
  'customer put': command({
    synopsis: 'customer put <id> --name <name> [--reseller <id>] [--features TELE,...]',
    about: `Creates or replaces a customer (id: 24 hex characters).
  --name <name>          the customer's name (required)
  --reseller <id>        its parent reseller: must exist and may not make a cycle
  --features <list>      comma-separated features, such as TELE`,
    options: { name: { type: 'string' }, reseller: { type: 'string' }, features: { type: 'string' } },
    positionals: ['id'],
    required: ['name'],
    async run(values, [id], { store, print }) {
      const customer = validCustomer(
        {
          id,
          name: values.name,
          ...(values.reseller !== undefined ? { parentReseller: values.reseller } : {}),
          features: values.features ? values.features.split(',').map((f) => f.trim()) : [],
        },
        'customer',
      );
      const written = await store.putCustomer(customer);
      if ('refused' in written) throw new UsageError(written.refused);
      print(`${written.created ? 'Created' : 'Replaced'} customer ${written.customer.id}.`);
    },
  }),
  'customer get': command({
    synopsis: 'customer get <id>',
    about: 'Prints a customer as JSON.',
    options: {},
    positionals: ['id'],
    async run(_values, [id], { store, print }) {
      const customer = await store.getCustomer(id!);
      if (!customer) throw new UsageError(`no customer ${id}`);
      print(JSON.stringify(customer, null, 2));
    },
  }),
  'customer list': command({
    synopsis: 'customer list [--json]',
    about: `Lists every customer: id, name, parent reseller, features.
  --json                 a JSON array of customers instead of the table`,
    options: json,
    positionals: [],
    async run(values, _positionals, { store, print }) {
      const { customers } = await store.listCustomers(0, 2_147_483_647);
      if (values.json) return print(JSON.stringify(customers, null, 2));
      const rows = customers.map((c) => [c.id, c.name, c.parentReseller, c.features.join(',')]);
      for (const line of table(['ID', 'NAME', 'RESELLER', 'FEATURES'], rows)) print(line);
    },
  }),
  'customer delete': command({
    synopsis: 'customer delete <id>',
    about: `Deletes a customer. Refused while customers name it as their reseller (delete or move them
first) or while an active token acts for it (revoke those first). Sessions keep the customer's id
as it was when the call was made.`,
    options: {},
    positionals: ['id'],
    async run(_values, [given], { store, print }) {
      // The stored id, in the case the store keeps, is what children and tokens name.
      const id = (await store.getCustomer(given!))?.id;
      if (id === undefined) throw new UsageError(`no customer ${given}`);
      const { customers } = await store.listCustomers(0, 2_147_483_647);
      const children = customers.filter((c) => c.parentReseller === id).map((c) => c.id);
      if (children.length > 0) throw new UsageError(`customer ${id} is the reseller of ${children.join(', ')}: delete or move them first`);
      const now = new Date();
      const tokens = (await store.listTokens()).filter((t) => t.customerId === id && tokenState(t, now) === 'active').map((t) => t.id);
      if (tokens.length > 0) throw new UsageError(`customer ${id} has active tokens ${tokens.join(', ')}: revoke them first`);
      await store.deleteCustomer(id);
      print(`Deleted customer ${id}.`);
    },
  }),
  'customer import': command({
    synopsis: 'customer import <file.json|file.csv>',
    about: `Creates or replaces many customers in one transaction, parents in any order: a JSON array
of {id, name, parentReseller?, features?} (or {"customers": [...]}), or a CSV with the header
id,name,parentReseller,features (features separated by ;). One bad row, or one id twice, refuses
the whole file. A relative path is read from the directory where the command was typed.`,
    options: {},
    positionals: ['file'],
    async run(_values, [file], { store, print, baseDir }) {
      const customers = readCustomers(file!, baseDir);
      const imported = await store.importCustomers(customers);
      if ('refused' in imported) throw new UsageError(imported.refused);
      print(`Imported ${customers.length} customers: ${imported.created} created, ${imported.replaced} replaced.`);
    },
  }),
  demo: command({
    synopsis: 'demo [--sessions <N>]',
    about: `Loads demo data: two reseller trees, their customers, N calls (default 200) and the seed's
example session, and prints what the store did with each call (created, updated, unchanged,
refused).
  --sessions <N>         how many calls, 0 to 1000000`,
    options: { sessions: { type: 'string' } },
    positionals: [],
    async run(values, _positionals, { store, print, homeCountryCode }) {
      const count = Number(values.sessions ?? '200');
      if (!/^[0-9]+$/.test(values.sessions ?? '0') || count > 1_000_000) throw new UsageError('--sessions must be an integer from 0 to 1000000');
      const load = await loadDemo(store, count, new Date());
      const stored = `${load.created} created, ${load.updated} updated, ${load.unchanged} unchanged, ${load.rejected} refused`;
      print(`Loaded ${load.customers} customers and ${count + 1} sessions: ${stored} (home country +${homeCountryCode}).`);
      print(`The seed's example session: /sbc/session/${encodeURIComponent(load.seedCallId)}`);
    },
  }),
};

type CommandName = keyof typeof commands;

export function usage(program: string): string {
  return `Usage: ${program} <command>   (works on the database in SBC_DB, default ./data/sessions.db)

${Object.values(commands)
  .map((c) => `  ${c.synopsis}`)
  .join('\n')}

Run ${program} <command> --help for a command's options; ${program} --version for the version.
Exit codes: 0 done, 2 a usage mistake or input refused, 78 a bad configuration.`;
}

function commandUsage(program: string, name: CommandName): string {
  const { synopsis, about } = commands[name];
  return `Usage: ${program} ${synopsis}\n\n${about}`;
}

/** A mistake in one command's line: its message and that command's usage. */
export class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export type ParsedAdmin = { help: string } | { run(context: AdminContext): Promise<void> };

/** Reads the command line without touching the database: help, or the command to run. */
export function parseAdmin(args: string[], program = 'pnpm admin'): ParsedAdmin {
  const name = (args[0] === 'demo' ? 'demo' : args.slice(0, 2).join(' ')) as CommandName;
  if (!(name in commands)) {
    if (args.length === 0) throw new UsageError('no command given');
    if (args[0] === 'help' || args[0] === '--help' || args[0] === '-h') return { help: usage(program) };
    throw new UsageError(`unknown command: ${args.slice(0, 2).join(' ')}`);
  }
  const rest = args.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) return { help: commandUsage(program, name) };
  const definition = commands[name] as Command<Options>;
  try {
    const { values, positionals } = parseCommandLine(rest, definition.options, definition.positionals, definition.required);
    return { run: (context) => definition.run(values, positionals, context) };
  } catch (error) {
    if (error instanceof UsageError) throw new CommandUsageError(`${name}: ${error.message}`, commandUsage(program, name));
    throw error;
  }
}

/** Parses and runs one command line; a refused command rejects with a UsageError. */
export async function runAdmin(args: string[], store: SessionStore, print: Print, options: Partial<Omit<AdminContext, 'store' | 'print'>> = {}): Promise<void> {
  const parsed = parseAdmin(args);
  if ('help' in parsed) return print(parsed.help);
  await parsed.run({ store, print, note: options.note ?? print, homeCountryCode: options.homeCountryCode ?? '45', baseDir: options.baseDir ?? process.cwd() });
}
