import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { loadContract, type Customer } from '@sbc/contract';
import { loadDemo } from './demo.js';
import { accessLevels, type AccessLevel, type SessionStore } from './store/session-store.js';

export const usage = `Usage: pnpm admin <command>   (works on the database in SBC_DB, default ./data/sessions.db)

  token create --level <LEVEL> [--customer <id>] [--name <label>] [--sbc-server <ip>] [--expires-in <30d|12h|90m>]
  token list
  token revoke <token-or-id>
  customer put <id> --name <name> [--reseller <id>] [--features TELE,...]
  customer get <id>
  customer list
  customer import <file.json|file.csv>
  demo [--sessions <N>]

Levels: ${accessLevels.join(', ')}. SBC tokens need --sbc-server.`;

/** A mistake in the command line: shown with the usage, exit code 2. */
export class UsageError extends Error {}

interface Parsed {
  positional: string[];
  options: Map<string, string>;
}

function parseArgs(args: string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.set(name!, value);
  }
  return { positional, options };
}

function only(parsed: Parsed, allowed: string[]): void {
  for (const name of parsed.options.keys()) if (!allowed.includes(name)) throw new UsageError(`Unknown option --${name}`);
}

export function parseDuration(text: string): number {
  const match = /^([0-9]+)\s*(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`--expires-in ${text}: expected a number and a unit, such as 30d, 12h, 90m or 45s`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

const contract = loadContract();
const checkCustomer = contract.schema('Customer');

function validCustomer(customer: unknown, where: string): Customer {
  const issue = checkCustomer(customer);
  if (issue) throw new UsageError(`${where}: ${issue.description}`);
  return customer as Customer;
}

export type Print = (line: string) => void;

export async function runAdmin(args: string[], store: SessionStore, print: Print, homeCountryCode = '45'): Promise<void> {
  const parsed = parseArgs(args);
  const [group, action, subject] = parsed.positional;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  switch (group === 'demo' ? 'demo' : command) {
    case 'token create': {
      only(parsed, ['level', 'customer', 'name', 'sbc-server', 'expires-in']);
      const level = parsed.options.get('level') as AccessLevel | undefined;
      if (!level || !accessLevels.includes(level)) throw new UsageError(`--level must be one of ${accessLevels.join(', ')}`);
      const sbcServer = parsed.options.get('sbc-server');
      if (sbcServer !== undefined && !isIP(sbcServer)) throw new UsageError(`--sbc-server ${sbcServer} is not an IP address`);
      if (level === 'SBC' && sbcServer === undefined) throw new UsageError('An SBC token needs --sbc-server <ip> of its node');
      const customerId = parsed.options.get('customer');
      if (customerId !== undefined && !(await store.getCustomer(customerId))) {
        throw new UsageError(`--customer ${customerId} is not a known customer: add it with customer put first`);
      }
      const expiresIn = parsed.options.get('expires-in');
      const expiresAt = expiresIn === undefined ? undefined : new Date(Date.now() + parseDuration(expiresIn));
      const name = parsed.options.get('name');
      const { token, id } = await store.createToken({
        level,
        ...(customerId !== undefined ? { customerId } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(sbcServer !== undefined ? { sbcServer } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      print(`Created ${level} token ${id}${expiresAt ? `, valid until ${expiresAt.toISOString()}` : ''}. It is shown only now:`);
      print(token);
      return;
    }
    case 'token list': {
      only(parsed, []);
      for (const t of await store.listTokens()) {
        const state = t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= new Date() ? 'expired' : 'active';
        print(
          [t.id, t.level, state, t.customerId ?? '-', t.sbcServer ?? '-', t.name ?? '-', t.createdAt.toISOString(), t.expiresAt?.toISOString() ?? 'never'].join('\t'),
        );
      }
      return;
    }
    case 'token revoke': {
      if (!subject) throw new UsageError('token revoke needs the token or its id');
      if (!(await store.revokeToken(subject))) throw new UsageError('No such token');
      print('Revoked.');
      return;
    }
    case 'customer put': {
      only(parsed, ['name', 'reseller', 'features']);
      if (!subject) throw new UsageError('customer put needs the customer id');
      const reseller = parsed.options.get('reseller');
      const features = parsed.options.get('features');
      const customer = validCustomer(
        {
          id: subject,
          name: parsed.options.get('name'),
          ...(reseller !== undefined ? { parentReseller: reseller } : {}),
          features: features ? features.split(',').map((f) => f.trim()) : [],
        },
        'customer',
      );
      const problem = await store.checkParent(customer.id, customer.parentReseller);
      if (problem) throw new UsageError(problem);
      const { created } = await store.putCustomer(customer);
      print(`${created ? 'Created' : 'Replaced'} customer ${customer.id}.`);
      return;
    }
    case 'customer get': {
      const customer = subject === undefined ? undefined : await store.getCustomer(subject);
      if (!customer) throw new UsageError(`No customer ${subject ?? ''}`);
      print(JSON.stringify(customer, null, 2));
      return;
    }
    case 'customer list': {
      const { customers } = await store.listCustomers(0, 2_147_483_647);
      for (const c of customers) print([c.id, c.name, c.parentReseller ?? '-', c.features.join(',') || '-'].join('\t'));
      return;
    }
    case 'customer import': {
      if (!subject) throw new UsageError('customer import needs a JSON or CSV file');
      const customers = readCustomers(subject);
      await checkTree(store, customers);
      const { created, replaced } = await store.importCustomers(customers);
      print(`Imported ${customers.length} customers: ${created} created, ${replaced} replaced.`);
      return;
    }
    case 'demo': {
      only(parsed, ['sessions']);
      const count = Number(parsed.options.get('sessions') ?? '200');
      if (!Number.isInteger(count) || count < 0 || count > 1_000_000) throw new UsageError('--sessions must be an integer from 0 to 1000000');
      const load = await loadDemo(store, count, new Date());
      const stored = `${load.created} created, ${load.updated} updated, ${load.unchanged} unchanged, ${load.rejected} refused`;
      print(`Loaded ${load.customers} customers and ${count + 1} sessions: ${stored} (home country +${homeCountryCode}).`);
      print(`The seed's example session: /sbc/session/${encodeURIComponent(load.seedCallId)}`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command: ${command}` : 'No command given');
  }
}

/** Customers from a JSON array (or `{customers: [...]}`) or a CSV with the header `id,name,parentReseller,features`. */
function readCustomers(file: string): Customer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`Cannot read ${file}`);
  }
  let rows: unknown[];
  if (/\.json$/i.test(file) || /^\s*[[{]/.test(text)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new UsageError(`${file} is not valid JSON`);
    }
    const list = Array.isArray(data) ? data : (data as { customers?: unknown }).customers;
    if (!Array.isArray(list)) throw new UsageError(`${file}: expected an array of customers or {"customers": [...]}`);
    rows = list.map((c) => ({ features: [], ...(c as object) }));
  } else {
    rows = parseCsv(text, file);
  }
  return rows.map((row, i) => validCustomer(row, `${file} customer ${i + 1}`));
}

function parseCsv(text: string, file: string): unknown[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = splitCsvLine(lines.shift() ?? '').map((h) => h.trim());
  for (const required of ['id', 'name']) if (!header.includes(required)) throw new UsageError(`${file}: the CSV header needs an ${required} column`);
  return lines.map((line) => {
    const cells = splitCsvLine(line);
    const cell = (name: string) => (header.includes(name) ? cells[header.indexOf(name)]?.trim() ?? '' : '');
    const parent = cell('parentReseller');
    const features = cell('features');
    return {
      id: cell('id'),
      name: cell('name'),
      ...(parent ? { parentReseller: parent } : {}),
      features: features ? features.split(/[;|,\s]+/).filter(Boolean) : [],
    };
  });
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      current += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      cells.push(current);
      current = '';
    } else current += c;
  }
  cells.push(current);
  return cells;
}

/** Every parent must exist (in the file or the database) and no chain may loop. */
async function checkTree(store: SessionStore, customers: Customer[]): Promise<void> {
  const inFile = new Map(customers.map((c) => [c.id, c]));
  const parentOf = async (id: string) => (inFile.has(id) ? inFile.get(id)!.parentReseller : (await store.getCustomer(id))?.parentReseller);
  for (const customer of customers) {
    const seen = new Set([customer.id]);
    let parent = customer.parentReseller;
    while (parent !== undefined) {
      if (seen.has(parent)) throw new UsageError(`Customer ${customer.id}: parentReseller chain loops through ${parent}`);
      if (!inFile.has(parent) && !(await store.getCustomer(parent))) throw new UsageError(`Customer ${customer.id}: parentReseller ${parent} is not a known customer`);
      seen.add(parent);
      parent = await parentOf(parent);
    }
  }
}
