import type { Session, SessionList } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, seed, startTestServer, tokenFor } from './helpers.js';

const customerX = '0000000000000000000000A1';
const customerY = '0000000000000000000000B2';

// A small fixed set: each filter below is checked against the ids it must return.
const sessions: Array<Partial<Session> & { callId: string }> = [
  { callId: 'dk-out-live@x', aNumber: '+4570301234', bNumber: '+4533457000', direction: 'O', started: '2024-05-01T10:00:05.000Z', sourceCustomerId: customerX },
  { callId: 'dk-in-ended@x', aNumber: '+4640001111', bNumber: '+4580808080', direction: 'I', started: '2024-05-01T10:00:04.000Z', ended: '2024-05-01T10:01:00.000Z', destinationCustomerId: customerX },
  { callId: 'intl-out-live@x', aNumber: '+4581808888', bNumber: '+4670001234', direction: 'O', started: '2024-05-01T10:00:03.000Z', sourceCustomerId: customerY },
  { callId: 'intl-out-ended@x', aNumber: 'anonymous', bNumber: '+14155550100', direction: 'O', started: '2024-05-01T10:00:03.000Z', ended: '2024-05-01T10:02:00.000Z', sourceCustomerId: customerY, destinationCustomerId: customerX },
  { callId: 'no-start@x', aNumber: '+4599999999' },
];

let server: RunningServer;
let admin: string;

async function list(query: string): Promise<SessionList> {
  const res = await call<SessionList>(server, 'listSessions', `/sbc/session${query}`, { headers: bearer(admin) });
  expect(res.status).toBe(200);
  return res.body;
}
const callIds = (page: SessionList) => page.sessions.map((s) => s.callId);

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
  await seed(server, ...sessions);
});
afterAll(() => server.close());

describe('GET /sbc/session order and paging', () => {
  it('orders by started descending, then callId, with unstarted sessions last', async () => {
    expect(callIds(await list(''))).toEqual(['dk-out-live@x', 'dk-in-ended@x', 'intl-out-ended@x', 'intl-out-live@x', 'no-start@x']);
  });

  it('defaults to offset 0 and limit 100', async () => {
    const page = await list('');
    expect(page).toMatchObject({ offset: 0, limit: 100, total: 5 });
  });

  it('pages through the set without repeating or skipping a session', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 5; offset += 2) seen.push(...callIds(await list(`?offset=${offset}&limit=2`)));
    expect(seen).toEqual(callIds(await list('')));
  });

  it('counts every match in total, ignoring offset and limit', async () => {
    const page = await list('?offset=1&limit=1');
    expect(page.total).toBe(5);
    expect(page.sessions).toHaveLength(1);
  });

  it('returns an empty page past the end', async () => {
    const page = await list('?offset=50');
    expect(page.sessions).toEqual([]);
    expect(page.total).toBe(5);
  });

  it.each(['0', '1001', '-1', 'ten', '1.5'])('refuses limit=%s with 400 limit', async (limit) => {
    const res = await call(server, 'listSessions', `/sbc/session?limit=${limit}`, { headers: bearer(admin) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'limit' });
  });

  it('accepts limit=1000', async () => {
    expect((await list('?limit=1000')).limit).toBe(1000);
  });

  it.each(['-1', 'x'])('refuses offset=%s with 400 offset', async (offset) => {
    const res = await call(server, 'listSessions', `/sbc/session?offset=${offset}`, { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'offset' });
  });

  it('refuses an unknown query parameter by name', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?colour=blue', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'colour' });
  });
});

describe('GET /sbc/session items', () => {
  it('returns summaries by default', async () => {
    const page = await list('?number=4570301234');
    expect(page.sessions[0]).toEqual({
      callId: 'dk-out-live@x',
      aNumber: '+4570301234',
      bNumber: '+4533457000',
      sbcServer: '10.0.0.1',
      direction: 'O',
      started: '2024-05-01T10:00:05.000Z',
      sourceCustomerId: customerX,
    });
  });

  it('returns whole sessions with full=true', async () => {
    await seed(server, { callId: 'full@x', userAgent: 'Snom', started: '2020-01-01T00:00:00.000Z', aNumber: '+4511112222' });
    const page = await list('?full=true&number=4511112222');
    expect(page.sessions[0]).toMatchObject({ callId: 'full@x', userAgent: 'Snom' });
  });
});

describe('GET /sbc/session filters', () => {
  it('number matches part of the A-number', async () => {
    expect(callIds(await list('?number=7030'))).toEqual(['dk-out-live@x']);
  });

  it('number matches part of the B-number', async () => {
    expect(callIds(await list('?number=5550100'))).toEqual(['intl-out-ended@x']);
  });

  it('number finds digits in the middle of a number', async () => {
    expect(callIds(await list('?number=3345'))).toEqual(['dk-out-live@x']);
  });

  it('number matches sessions by A- or B-number alike', async () => {
    expect(callIds(await list('?number=808'))).toEqual(['dk-in-ended@x', 'intl-out-live@x']);
  });

  it('number with an encoded + matches numbers starting with it', async () => {
    expect(callIds(await list('?number=%2B4570'))).toEqual(['dk-out-live@x']);
  });

  it('number with an unencoded + (a space once decoded) matches the same', async () => {
    expect(callIds(await list('?number=+4570'))).toEqual(['dk-out-live@x']);
  });

  it('number of one or two digits still matches', async () => {
    expect(callIds(await list('?number=14'))).toEqual(['intl-out-ended@x']);
  });

  it('number refuses letters with 400 number', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?number=abc', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'number' });
  });

  it('customer matches the source customer', async () => {
    expect(callIds(await list(`?customer=${customerY}`))).toEqual(['intl-out-ended@x', 'intl-out-live@x']);
  });

  it('customer matches the destination customer too', async () => {
    expect(callIds(await list(`?customer=${customerX}`))).toEqual(['dk-out-live@x', 'dk-in-ended@x', 'intl-out-ended@x']);
  });

  it('customer refuses an id that is not 24 hex characters', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?customer=nope', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'customer' });
  });

  it('live=true returns only calls with no end', async () => {
    expect(callIds(await list('?live=true&limit=3'))).toEqual(['dk-out-live@x', 'intl-out-live@x', 'full@x']);
  });

  it('live=false returns only ended calls', async () => {
    expect(callIds(await list('?live=false'))).toEqual(['dk-in-ended@x', 'intl-out-ended@x']);
  });

  it('live refuses a non-boolean with 400 live', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?live=maybe', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'live' });
  });

  it('direction=I returns calls from peers', async () => {
    expect(callIds(await list('?direction=I'))).toEqual(['dk-in-ended@x']);
  });

  it('direction=O returns calls from trusted hosts', async () => {
    expect(callIds(await list('?direction=O'))).toEqual(['dk-out-live@x', 'intl-out-ended@x', 'intl-out-live@x']);
  });

  it('direction refuses other values with 400 direction', async () => {
    const res = await call(server, 'listSessions', '/sbc/session?direction=X', { headers: bearer(admin) });
    expect(res.body).toMatchObject({ status: 400, message: 'direction' });
  });

  it('international=true returns calls to numbers outside +45', async () => {
    expect(callIds(await list('?international=true'))).toEqual(['intl-out-ended@x', 'intl-out-live@x']);
  });

  it('international=false returns calls to +45 numbers, and not sessions with no B-number', async () => {
    expect(callIds(await list('?international=false'))).toEqual(['dk-out-live@x', 'dk-in-ended@x']);
  });

  it('combines filters with AND', async () => {
    expect(callIds(await list(`?live=false&direction=O&international=true&customer=${customerX}&number=1415`))).toEqual(['intl-out-ended@x']);
  });

  it('combines live and direction', async () => {
    expect(callIds(await list('?live=true&direction=O&number=%2B45'))).toEqual(['dk-out-live@x', 'intl-out-live@x']);
  });

  it('combines customer, live and international', async () => {
    expect(callIds(await list(`?customer=${customerY}&live=true&international=true`))).toEqual(['intl-out-live@x']);
  });

  it('reports total for a filtered set', async () => {
    const page = await list('?direction=O&limit=1');
    expect(page.total).toBe(3);
  });
});

describe('international against another home country', () => {
  it('reads HOME_COUNTRY_CODE', async () => {
    const swedish = await startTestServer({ homeCountryCode: '46' });
    const token = await tokenFor(swedish, 'ADMIN');
    await seed(swedish, ...sessions);
    const res = await call<SessionList>(swedish, 'listSessions', '/sbc/session?international=false', { headers: bearer(token) });
    expect(callIds(res.body)).toEqual(['intl-out-live@x']);
    await swedish.close();
  });
});

describe('number search over many matches', () => {
  it('pages in the same order whichever way the store walks the matches', async () => {
    const many = await startTestServer();
    const token = await tokenFor(many, 'ADMIN');
    const sessions = Array.from({ length: 150 }, (_, i) => ({
      callId: `m${String(i).padStart(3, '0')}@x`,
      aNumber: `+4570${String(i).padStart(6, '0')}`,
      bNumber: `+4680${String(i).padStart(6, '0')}`,
      started: new Date(Date.UTC(2025, 0, 1, 0, 0, i % 40)).toISOString(),
    }));
    await seed(many, ...sessions);
    const page = async (query: string) =>
      (await call<SessionList>(many, 'listSessions', `/sbc/session?${query}`, { headers: bearer(token) })).body;
    const all = await page('offset=20&limit=50');
    for (const number of ['%2B4570', '+4570', '4570', '0000']) {
      const found = await page(`number=${number}&offset=20&limit=50`);
      expect(found.total).toBe(150);
      expect(callIds(found)).toEqual(callIds(all));
    }
    await many.close();
  });

  it('pages a part of the calls in list order: ties on start broken by Call-ID, unstarted last, a call matching by both numbers once', async () => {
    const many = await startTestServer();
    const token = await tokenFor(many, 'ADMIN');
    // Every third call has 777 in its A-number, every sixth in its B-number too; starts repeat every 8 seconds.
    const sessions = Array.from({ length: 150 }, (_, i) => ({
      callId: `p${String(i).padStart(3, '0')}@x`,
      aNumber: i % 3 === 0 ? `+45777${String(i).padStart(5, '0')}` : `+4570${String(i).padStart(6, '0')}`,
      bNumber: i % 6 === 0 ? `+46777${String(i).padStart(5, '0')}` : `+4680${String(i).padStart(6, '0')}`,
      ...(i % 25 === 0 ? {} : { started: new Date(Date.UTC(2025, 0, 1, 0, 0, i % 8)).toISOString() }),
    }));
    await seed(many, ...sessions);
    const page = async (query: string) =>
      (await call<SessionList>(many, 'listSessions', `/sbc/session?${query}`, { headers: bearer(token) })).body;
    const matching = callIds(await page('limit=1000')).filter((id) => Number(id.slice(1, 4)) % 3 === 0);
    for (const [offset, limit] of [[0, 10], [10, 10], [5, 40], [40, 20], [45, 10]] as const) {
      const found = await page(`number=777&offset=${offset}&limit=${limit}`);
      expect(found.total).toBe(50);
      expect(callIds(found)).toEqual(matching.slice(offset, offset + limit));
    }
    await many.close();
  });

  it("pages many calls that start at the same instant as the page's last by Call-ID", async () => {
    const many = await startTestServer();
    const token = await tokenFor(many, 'ADMIN');
    // 60 matching calls in one instant, among 400 that do not match: far more ties than a page
    // of 10 reads at first, too few matches for the store to walk the whole list instead.
    const tied = Array.from({ length: 60 }, (_, i) => ({
      callId: `t${String((i * 37) % 60).padStart(2, '0')}@x`,
      aNumber: `+45888${String(i).padStart(5, '0')}`,
      started: '2025-01-01T00:00:00.000Z',
    }));
    const others = Array.from({ length: 400 }, (_, i) => ({
      callId: `o${String(i).padStart(3, '0')}@x`,
      aNumber: `+4570${String(i).padStart(6, '0')}`,
      started: new Date(Date.UTC(2025, 0, 1, 0, 0, 1 + (i % 50))).toISOString(),
    }));
    await seed(many, ...others, ...tied);
    const page = async (query: string) =>
      (await call<SessionList>(many, 'listSessions', `/sbc/session?${query}`, { headers: bearer(token) })).body;
    const inOrder = tied.map((s) => s.callId).sort();
    for (const [offset, limit] of [[0, 10], [25, 10], [50, 10]] as const) {
      const found = await page(`number=888&offset=${offset}&limit=${limit}`);
      expect(found.total).toBe(60);
      expect(callIds(found)).toEqual(inOrder.slice(offset, offset + limit));
    }
    await many.close();
  });

  it('a leading + matches only at the start of a number', async () => {
    expect(callIds(await list('?number=%2B4533'))).toEqual(['dk-out-live@x']);
    expect(callIds(await list('?number=%2B3345'))).toEqual([]);
  });
});

describe('GET /sbc/session after later reports', () => {
  it("filters on what a call's latest report changed", async () => {
    const own = await startTestServer();
    const token = await tokenFor(own, 'ADMIN');
    await seed(own, { callId: 'later@x', aNumber: '+4570000001', direction: 'O', started: '2024-05-01T10:00:00.000Z' });
    await seed(own, { callId: 'later@x', bNumber: '+4633000001', destinationCustomerId: customerX, answered: '2024-05-01T10:00:02.000Z' });
    await seed(own, { callId: 'later@x', ended: '2024-05-01T10:01:00.000Z' });
    const found = async (query: string) =>
      callIds((await call<SessionList>(own, 'listSessions', `/sbc/session?${query}`, { headers: bearer(token) })).body);
    expect(await found('live=true')).toEqual([]);
    expect(await found('live=false')).toEqual(['later@x']);
    expect(await found('international=true')).toEqual(['later@x']);
    expect(await found('number=3300000')).toEqual(['later@x']);
    expect(await found(`customer=${customerX}`)).toEqual(['later@x']);
    await own.close();
  });
});

