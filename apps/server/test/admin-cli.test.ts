import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdmin, UsageError } from '../src/admin-commands.js';
import type { SessionStore } from '../src/domain/session-store.js';
import { openTestStore } from './helpers.js';

let dir: string;
let store: SessionStore;
let out: string[];

const admin = (...args: string[]) => runAdmin(args, store, (line) => out.push(line));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sbc-admin-'));
  store = await openTestStore();
  out = [];
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('token', () => {
  it('create prints the token alone on the last line, and the token works', async () => {
    await admin('token', 'create', '--level', 'ADMIN', '--name', 'ops laptop');
    const token = out.at(-1)!;
    expect(token).toMatch(/^sbc_[A-Za-z0-9_-]{43}$/);
    expect(await store.findToken(token)).toMatchObject({ level: 'ADMIN', name: 'ops laptop' });
  });

  it('create binds an SBC token to its node', async () => {
    await admin('token', 'create', '--level', 'SBC', '--sbc-server', '2.1.1.3');
    expect(await store.findToken(out.at(-1)!)).toMatchObject({ level: 'SBC', sbcServer: '2.1.1.3' });
  });

  it('create refuses an SBC token without --sbc-server', async () => {
    await expect(admin('token', 'create', '--level', 'SBC')).rejects.toThrow(UsageError);
  });

  it('create refuses an unknown level', async () => {
    await expect(admin('token', 'create', '--level', 'GOD')).rejects.toThrow(/--level must be one of/);
  });

  it('create with --expires-in sets the expiry', async () => {
    await admin('token', 'create', '--level', 'ADMIN', '--expires-in', '30d');
    const token = await store.findToken(out.at(-1)!);
    expect(token!.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('create refuses a duration it cannot read', async () => {
    await expect(admin('token', 'create', '--level', 'ADMIN', '--expires-in', 'soon')).rejects.toThrow(/--expires-in/);
  });

  it('create refuses a RESELLER_ADMIN token without --customer: it could act for no one', async () => {
    await expect(admin('token', 'create', '--level', 'RESELLER_ADMIN')).rejects.toThrow(/RESELLER_ADMIN token acts for its reseller: give --customer/);
  });

  it('create refuses --customer on an ADMIN token', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A', '--features', 'TELE');
    await expect(admin('token', 'create', '--level', 'ADMIN', '--customer', 'AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(/--customer is only for RESELLER_ADMIN/);
  });

  it('create refuses --sbc-server on a token that is not SBC', async () => {
    await expect(admin('token', 'create', '--level', 'ADMIN', '--sbc-server', '2.1.1.3')).rejects.toThrow(/--sbc-server is only for SBC tokens/);
  });

  it('create refuses the levels that no operation accepts', async () => {
    await expect(admin('token', 'create', '--level', 'VIEWER')).rejects.toThrow(/no operation accepts a VIEWER token/);
  });

  it('create refuses a token born expired', async () => {
    await expect(admin('token', 'create', '--level', 'ADMIN', '--expires-in', '0d')).rejects.toThrow(/must live longer than 0/);
  });

  it('create for a RESELLER_ADMIN whose customer lacks TELE notes that it gets 403 until it has', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A');
    const notes: string[] = [];
    await runAdmin(['token', 'create', '--level', 'RESELLER_ADMIN', '--customer', 'AAAAAAAAAAAAAAAAAAAAAAAA'], store, (line) => out.push(line), { note: (line) => notes.push(line) });
    expect(notes).toEqual([expect.stringMatching(/has no TELE feature/)]);
    expect(out.at(-1)).toMatch(/^sbc_/);
  });

  it('create for a RESELLER_ADMIN needs a known customer', async () => {
    await expect(admin('token', 'create', '--level', 'RESELLER_ADMIN', '--customer', 'AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(/not a known customer/);
  });

  it('list shows ids and levels but never the secret', async () => {
    await admin('token', 'create', '--level', 'ADMIN');
    const token = out.at(-1)!;
    out = [];
    await admin('token', 'list');
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^ID\s+LEVEL\s+STATE\s+CUSTOMER\s+SBC\s+NAME\s+CREATED\s+EXPIRES$/);
    expect(out[1]).toMatch(/^tok_[0-9a-f]{16}\s+ADMIN\s+active\s+-\s+-\s+-\s+\S+\s+never$/);
    expect(out.join('\n')).not.toContain(token);
  });

  it('list --json prints the tokens as a JSON array', async () => {
    await admin('token', 'create', '--level', 'SBC', '--sbc-server', '2.1.1.3', '--name', 'sbc-1');
    out = [];
    await admin('token', 'list', '--json');
    expect(JSON.parse(out.join('\n'))).toEqual([expect.objectContaining({ level: 'SBC', state: 'active', sbcServer: '2.1.1.3', name: 'sbc-1' })]);
  });

  it('revoke by the token itself makes it unusable', async () => {
    await admin('token', 'create', '--level', 'ADMIN');
    const token = out.at(-1)!;
    await admin('token', 'revoke', token);
    expect((await store.findToken(token))!.revokedAt).toBeInstanceOf(Date);
  });

  it('revoke of an unknown token is a usage error', async () => {
    await expect(admin('token', 'revoke', 'tok_nope')).rejects.toThrow(/no such token/);
  });
});

describe('customer', () => {
  it('put creates, get shows, list lists', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'Reseller A', '--features', 'TELE');
    await admin('customer', 'put', 'A1A1A1A1A1A1A1A1A1A1A1A1', '--name', 'Child', '--reseller', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(await store.getCustomer('A1A1A1A1A1A1A1A1A1A1A1A1')).toEqual({
      id: 'A1A1A1A1A1A1A1A1A1A1A1A1',
      name: 'Child',
      parentReseller: 'AAAAAAAAAAAAAAAAAAAAAAAA',
      features: [],
    });
    out = [];
    await admin('customer', 'list');
    expect(out).toEqual([
      'ID                        NAME        RESELLER                  FEATURES',
      'A1A1A1A1A1A1A1A1A1A1A1A1  Child       AAAAAAAAAAAAAAAAAAAAAAAA  -',
      'AAAAAAAAAAAAAAAAAAAAAAAA  Reseller A  -                         TELE',
    ]);
  });

  it('list --json prints the customers as a JSON array', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'Reseller A', '--features', 'TELE');
    out = [];
    await admin('customer', 'list', '--json');
    expect(JSON.parse(out.join('\n'))).toEqual([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'Reseller A', features: ['TELE'] }]);
  });

  it('delete removes a customer', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A');
    await admin('customer', 'delete', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(out.at(-1)).toBe('Deleted customer AAAAAAAAAAAAAAAAAAAAAAAA.');
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('delete refuses a reseller that still has customers', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A');
    await admin('customer', 'put', 'A1A1A1A1A1A1A1A1A1A1A1A1', '--name', 'B', '--reseller', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    await expect(admin('customer', 'delete', 'AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(/is the reseller of A1A1A1A1A1A1A1A1A1A1A1A1/);
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toBeDefined();
  });

  it('delete refuses a customer with an active token, and allows it once the token is revoked', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A', '--features', 'TELE');
    await admin('token', 'create', '--level', 'RESELLER_ADMIN', '--customer', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    const token = out.at(-1)!;
    await expect(admin('customer', 'delete', 'AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(/has active tokens tok_[0-9a-f]+: revoke them first/);
    await admin('token', 'revoke', token);
    await admin('customer', 'delete', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('delete of an unknown customer is refused', async () => {
    await expect(admin('customer', 'delete', 'AAAAAAAAAAAAAAAAAAAAAAAA')).rejects.toThrow(/no customer AAAAAAAAAAAAAAAAAAAAAAAA/);
  });

  it('put refuses an id that is not 24 hex characters', async () => {
    await expect(admin('customer', 'put', 'xyz', '--name', 'Bad')).rejects.toThrow(/id/);
  });

  it('put refuses an unknown reseller', async () => {
    await expect(admin('customer', 'put', 'A1A1A1A1A1A1A1A1A1A1A1A1', '--name', 'C', '--reseller', 'BBBBBBBBBBBBBBBBBBBBBBBB')).rejects.toThrow(/not a known customer/);
  });

  it('put refuses a reseller cycle', async () => {
    await admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A');
    await admin('customer', 'put', 'A1A1A1A1A1A1A1A1A1A1A1A1', '--name', 'B', '--reseller', 'AAAAAAAAAAAAAAAAAAAAAAAA');
    await expect(admin('customer', 'put', 'AAAAAAAAAAAAAAAAAAAAAAAA', '--name', 'A', '--reseller', 'A1A1A1A1A1A1A1A1A1A1A1A1')).rejects.toThrow(/its own reseller/);
  });

  it('import reads a JSON array, children before parents', async () => {
    const file = join(dir, 'customers.json');
    writeFileSync(
      file,
      JSON.stringify([
        { id: 'A1A1A1A1A1A1A1A1A1A1A1A1', name: 'Child', parentReseller: 'AAAAAAAAAAAAAAAAAAAAAAAA' },
        { id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'Parent', features: ['TELE'] },
      ]),
    );
    await admin('customer', 'import', file);
    expect(out.at(-1)).toBe('Imported 2 customers: 2 created, 0 replaced.');
    expect((await store.getCustomer('A1A1A1A1A1A1A1A1A1A1A1A1'))!.parentReseller).toBe('AAAAAAAAAAAAAAAAAAAAAAAA');
  });

  it('import reads a CSV with quoted fields and features', async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(file, 'id,name,parentReseller,features\naaaaaaaaaaaaaaaaaaaaaaaa,"Nordic, Reseller",,TELE\na1a1a1a1a1a1a1a1a1a1a1a1,"Hansen ""VVS""",AAAAAAAAAAAAAAAAAAAAAAAA,\n');
    await admin('customer', 'import', file);
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toEqual({ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'Nordic, Reseller', features: ['TELE'] });
    expect((await store.getCustomer('A1A1A1A1A1A1A1A1A1A1A1A1'))!.name).toBe('Hansen "VVS"');
  });

  it('import refuses the whole file when one parent is unknown', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'A' }, { id: 'A1A1A1A1A1A1A1A1A1A1A1A1', name: 'B', parentReseller: 'BBBBBBBBBBBBBBBBBBBBBBBB' }]));
    await expect(admin('customer', 'import', file)).rejects.toThrow(/not a known customer/);
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('import refuses a file that names one id twice', async () => {
    const file = join(dir, 'twice.json');
    writeFileSync(file, JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'A' }, { id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'B' }]));
    await expect(admin('customer', 'import', file)).rejects.toThrow(/customer 2: id AAAAAAAAAAAAAAAAAAAAAAAA is already customer 1 of the file/);
    expect(await store.getCustomer('AAAAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
  });

  it('import refuses a file that names one id twice in two cases', async () => {
    const file = join(dir, 'twice.json');
    writeFileSync(file, JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'A' }, { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'B' }]));
    await expect(admin('customer', 'import', file)).rejects.toThrow(/customer 2: id AAAAAAAAAAAAAAAAAAAAAAAA is already customer 1 of the file/);
  });

  it('put and delete take an id in either case and name it in upper case', async () => {
    await admin('customer', 'put', 'aaaaaaaaaaaaaaaaaaaaaaaa', '--name', 'A');
    expect(out.at(-1)).toBe('Created customer AAAAAAAAAAAAAAAAAAAAAAAA.');
    await admin('customer', 'put', 'a1a1a1a1a1a1a1a1a1a1a1a1', '--name', 'B', '--reseller', 'aaaaaaaaaaaaaaaaaaaaaaaa');
    await expect(admin('customer', 'delete', 'aaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toThrow(/is the reseller of A1A1A1A1A1A1A1A1A1A1A1A1/);
    await admin('customer', 'delete', 'a1a1a1a1a1a1a1a1a1a1a1a1');
    expect(out.at(-1)).toBe('Deleted customer A1A1A1A1A1A1A1A1A1A1A1A1.');
  });

  it('import reads a relative path from the directory where the command was typed', async () => {
    writeFileSync(join(dir, 'mine.json'), JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'A' }]));
    await runAdmin(['customer', 'import', 'mine.json'], store, (line) => out.push(line), { baseDir: dir });
    expect(out.at(-1)).toBe('Imported 1 customers: 1 created, 0 replaced.');
  });

  it('import of a missing file names the path it tried and why', async () => {
    await expect(runAdmin(['customer', 'import', 'nope.json'], store, () => {}, { baseDir: dir })).rejects.toThrow(
      `cannot read nope.json (${join(dir, 'nope.json')}): no such file`,
    );
  });

  it('import refuses an invalid customer naming its place in the file', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ id: 'AAAAAAAAAAAAAAAAAAAAAAAA' }]));
    await expect(admin('customer', 'import', file)).rejects.toThrow(/customer 1: name is required/);
  });
});

describe('demo', () => {
  it('loads resellers, customers and sessions including the seed example', async () => {
    await admin('demo', '--sessions', '300');
    const { total } = await store.listCustomers(0, 100);
    expect(total).toBeGreaterThanOrEqual(6);
    const example = await store.getSession('123465743567845918237459354653@8.7.6.7', { all: true });
    expect(example).toMatchObject({ aNumber: '+4581808888', bNumber: '+4580808080', endedReason: 'BYE', sourceCustomerId: '1234567890ABCDEF12345678' });
  });

  it('has live and ended calls, both directions, international and MVNO calls', async () => {
    await admin('demo', '--sessions', '300');
    const base = { offset: 0, limit: 1, homeCountryCode: '45' };
    const count = async (filter: object) => (await store.listSessions({ ...base, ...filter }, { all: true })).total;
    expect(await count({ live: true })).toBeGreaterThan(0);
    expect(await count({ live: false })).toBeGreaterThan(0);
    expect(await count({ direction: 'I' })).toBeGreaterThan(0);
    expect(await count({ direction: 'O' })).toBeGreaterThan(0);
    expect(await count({ international: true })).toBeGreaterThan(0);
    expect(await count({ international: false })).toBeGreaterThan(0);
    const { sessions } = await store.listSessions({ ...base, limit: 1000 }, { all: true });
    expect(sessions.some((s) => s.mvno !== undefined)).toBe(true);
  });

  it('every demo session is valid under the contract', async () => {
    const { contract } = await import('./helpers.js');
    await admin('demo', '--sessions', '100');
    const { sessions } = await store.listSessions({ offset: 0, limit: 1000, homeCountryCode: '45' }, { all: true });
    for (const session of sessions) expect(contract.schema('Session')(session)).toBeNull();
  });
});

describe('usage', () => {
  it('an unknown command is a usage error', async () => {
    await expect(admin('launch', 'rockets')).rejects.toThrow(/unknown command: launch rockets/);
  });

  it('no command is a usage error', async () => {
    await expect(admin()).rejects.toThrow(/no command given/);
  });

  it('a stray argument is a usage error', async () => {
    await expect(admin('demo', 'extra')).rejects.toThrow(/unexpected argument: extra/);
  });

  it('an unknown option is named without Node\'s own wording', async () => {
    await expect(admin('token', 'list', '--colour')).rejects.toThrow(/^token list: unknown option --colour$/);
  });

  it('a missing required option is a usage mistake', async () => {
    await expect(admin('token', 'create')).rejects.toThrow(/^token create: missing --level$/);
  });

  it('an option without its value says so', async () => {
    await expect(admin('token', 'create', '--level')).rejects.toThrow(/^token create: --level needs a value$/);
  });

  it('--help of a command prints its usage and options', async () => {
    await admin('customer', 'import', '--help');
    expect(out.join('\n')).toMatch(/^Usage: pnpm admin customer import <file.json\|file.csv>\n/);
  });
});
