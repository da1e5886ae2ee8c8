// The library against the real server: every method, and Call-IDs with every awkward character.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SbcApiError, type SbcEvent } from '../../src/index.js';
import { sbcServer, started, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.server.close());

const awkwardCallIds = [
  '56375632547476357536@23.34.33.74',
  'a/b@c',
  '100%@host',
  '%41%2F@looks-encoded',
  'what?x=1@host',
  'frag#ment@host',
  'with space@host',
  'æøå-呼叫@host',
  '+4580808080@host',
  '[::1]:5060;tag=x~y@host',
];

describe('Call-IDs with reserved and non-ASCII characters', () => {
  it.each(awkwardCallIds)('%j is reported, read back and ended under exactly that id', async (callId) => {
    const sbc = t.client(t.sbc);
    const admin = t.client(t.admin);
    await expect(sbc.reportSession(callId, { started, aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O' })).resolves.toMatchObject({ callId, sbcServer });
    await expect(admin.getSession(callId)).resolves.toMatchObject({ callId, started });
    await expect(admin.endCall(callId)).resolves.toMatchObject({ success: true, outcome: 'requested', session: { callId } });
  });
});

describe('sessions', () => {
  it('getSession of an unknown Call-ID throws SbcApiError 404 id', async () => {
    const error = await t.client(t.admin).getSession('nobody@nowhere').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SbcApiError);
    expect(error).toMatchObject({ status: 404, token: 'id' });
    expect((error as SbcApiError).requestId).toBeTruthy();
  });

  it('listSessions filters and pages; listAllSessions walks every page', async () => {
    const sbc = t.client(t.sbc);
    const reports = Array.from({ length: 23 }, (_, i) => ({
      callId: `page-${String(i).padStart(2, '0')}@list`,
      started,
      aNumber: '+4570000001',
      bNumber: `+46700000${String(i).padStart(2, '0')}`,
      direction: 'I' as const,
    }));
    await sbc.reportBatch(reports);
    const admin = t.client(t.admin);
    const first = await admin.listSessions({ number: '+46700000', limit: 10 });
    expect(first).toMatchObject({ offset: 0, limit: 10, total: 23 });
    expect(first.sessions).toHaveLength(10);
    const all: string[] = [];
    for await (const session of admin.listAllSessions({ number: '+46700000', limit: 10 })) all.push(session.callId);
    expect(all.sort()).toEqual(reports.map((r) => r.callId).sort());
  });

  it('listSessions refuses an out-of-range limit with 400 limit', async () => {
    await expect(t.client(t.admin).listSessions({ limit: 0 })).rejects.toMatchObject({ status: 400, token: 'limit' });
  });
});

describe('SBC reports', () => {
  it('reportBatch applies reports in order and returns one result each', async () => {
    const result = await t.client(t.sbc).reportBatch([
      { callId: 'batch-1@h', started, direction: 'O' },
      { callId: 'batch-1@h', answered: '2026-01-01T12:00:05.000Z' },
      { callId: 'batch-1@h', answered: '2026-01-01T11:00:00.000Z', ended: '2026-01-01T11:00:00.000Z' },
    ]);
    expect(result.results.map((r) => r.result)).toEqual(['created', 'updated', 'rejected']);
    expect(result.results[2]?.error?.status).toBe(422);
  });

  it('reportSession refuses a report the merge rules reject with 422 naming the field', async () => {
    const sbc = t.client(t.sbc);
    await sbc.reportSession('order@h', { started });
    await expect(sbc.reportSession('order@h', { answered: '2025-12-31T00:00:00.000Z' })).rejects.toMatchObject({ status: 422, token: 'answered' });
  });
});

describe('customers', () => {
  it('putCustomer, getCustomer and listCustomers', async () => {
    const admin = t.client(t.admin);
    const id = 'c0ffee0000000000000000c1';
    await expect(admin.putCustomer(id, { name: 'Coffee', features: ['TELE'] })).resolves.toMatchObject({ id, name: 'Coffee' });
    await expect(admin.getCustomer(id)).resolves.toMatchObject({ id, features: ['TELE'] });
    const list = await admin.listCustomers({ limit: 1000 });
    expect(list.customers.map((c) => c.id)).toContain(id);
  });
});

describe('tokens', () => {
  it('an expired token is refused with 401 expired', async () => {
    const { token } = await t.server.store.createToken({ level: 'ADMIN', expiresAt: new Date(Date.now() - 60_000) });
    await expect(t.client(token).listSessions()).rejects.toMatchObject({ status: 401, token: 'expired' });
  });

  it('an unknown token is refused with 401 invalid_token', async () => {
    await expect(t.client('sbc_not-a-real-token').getSession('a@b')).rejects.toMatchObject({ status: 401, token: 'invalid_token' });
  });
});

describe('events', () => {
  it('streams the events of reported and ended calls, filtered by type', async () => {
    const controller = new AbortController();
    const seen: SbcEvent[] = [];
    const admin = t.client(t.admin);
    const watching = (async () => {
      for await (const event of admin.events({ types: ['started', 'terminationRequested'], signal: controller.signal })) {
        // Only the first watched call counts: later ones may show up while waiting for it.
        if (!event.callId.startsWith('watched-') || (seen[0] && event.callId !== seen[0].callId)) continue;
        seen.push(event);
        if (event.type === 'terminationRequested') controller.abort();
      }
    })();
    // A call reported before the stream is open is not sent: report new calls until one shows up.
    let n = 0;
    await waitFor(async () => {
      if (seen.length === 0) await t.client(t.sbc).reportSession(`watched-${n++}@h`, { started, bNumber: '+4580808080' });
      return seen.length > 0;
    });
    const callId = seen[0]?.callId ?? '';
    await admin.endCall(callId);
    await watching;
    expect(seen.map((e) => [e.type, e.callId])).toEqual([
      ['started', callId],
      ['terminationRequested', callId],
    ]);
  });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met');
}
