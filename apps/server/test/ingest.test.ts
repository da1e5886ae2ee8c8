import type { IngestResponse, Session } from '@sbc/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let sbc: string;
let admin: string;
const callId = 'ingest@10.0.0.1';
const t = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, seconds)).toISOString();

const report = (body: object, token = sbc, id = callId) => call<Session>(server, 'reportSession', sessionPath(id), json(token, body));
const stored = async (id = callId) => (await call<Session>(server, 'getSession', sessionPath(id), { headers: bearer(admin) })).body;
const eventTypes = async () => (await server.store.eventsAfter(0, 100)).map((e) => e.type);

beforeEach(async () => {
  server = await startTestServer();
  sbc = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.1' });
  admin = await tokenFor(server, 'ADMIN');
});
afterEach(() => server.close());

describe('PATCH /sbc/session/{id}', () => {
  it('creates a session with 201 and returns it', async () => {
    const res = await report({ aNumber: '+4581808888', bNumber: '+4580808080', direction: 'O', started: t(0) });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ callId, aNumber: '+4581808888', bNumber: '+4580808080', sbcServer: '10.0.0.1', direction: 'O', started: t(0) });
  });

  it('updates an existing session with 200', async () => {
    await report({ started: t(0) });
    const res = await report({ answered: t(5) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ started: t(0), answered: t(5) });
  });

  it('lets ADMIN report when it names the sbcServer', async () => {
    expect((await report({ sbcServer: '10.0.0.9', started: t(0) }, admin)).status).toBe(201);
  });

  it('refuses an ADMIN report that creates a session without sbcServer: 422 sbcServer', async () => {
    const res = await report({ started: t(0) }, admin);
    expect(res.body).toMatchObject({ status: 422, message: 'sbcServer' });
  });

  it('refuses a body callId that differs from the path: 422 callId', async () => {
    const res = await report({ callId: 'other@x' });
    expect(res.body).toMatchObject({ status: 422, message: 'callId' });
  });

  it('refuses readers: 403 access_denied for RESELLER_ADMIN', async () => {
    await server.store.putCustomer({ id: 'AAAAAAAAAAAAAAAAAAAAAAAA', name: 'R', features: ['TELE'] });
    const reseller = await tokenFor(server, 'RESELLER_ADMIN', { customerId: 'AAAAAAAAAAAAAAAAAAAAAAAA' });
    expect((await report({ started: t(0) }, reseller)).status).toBe(403);
  });

  it.each([
    ['aNumber', { aNumber: '4581808888' }],
    ['bNumber', { bNumber: 'anonymous' }],
    ['aNumberPrivacy', { aNumberPrivacy: '1' }],
    ['started', { started: '2025-01-01 12:00:00' }],
    ['direction', { direction: 'X' }],
    ['sourceIP', { sourceIP: '999.1.1.1' }],
    ['rtpStat', { rtpStat: '1,2,3' }],
    ['endedReason', { endedReason: '200' }],
    ['userAgent', { userAgent: '' }],
    ['colour', { colour: 'blue' }],
  ])('validates every field against the spec: 422 %s', async (field, body) => {
    const res = await report(body);
    expect(res.body).toMatchObject({ status: 422, message: field });
  });

  it('refuses null: a report never removes data', async () => {
    const res = await report({ userName: null });
    expect(res.body).toMatchObject({ status: 422, message: 'userName' });
  });
});

describe('merge rules', () => {
  it('a replayed report changes nothing and emits no second event', async () => {
    const body = { aNumber: '+4581808888', started: t(0) };
    await report(body);
    const replay = await report(body);
    expect(replay.status).toBe(200);
    expect(await eventTypes()).toEqual(['started']);
  });

  it('started, once set, is kept', async () => {
    await report({ started: t(0) });
    await report({ started: t(3) });
    expect((await stored()).started).toBe(t(0));
  });

  it('answered is set once and never moved', async () => {
    await report({ started: t(0), answered: t(5) });
    await report({ answered: t(9) });
    expect((await stored()).answered).toBe(t(5));
  });

  it('ended is set once, with the first endedReason and endedBy', async () => {
    await report({ started: t(0), ended: t(30), endedReason: 'BYE', endedBy: 'A' });
    await report({ ended: t(40), endedReason: 'CANCEL', endedBy: 'B' });
    expect(await stored()).toMatchObject({ ended: t(30), endedReason: 'BYE', endedBy: 'A' });
  });

  it('an ended session never becomes live again', async () => {
    await report({ started: t(0), ended: t(30), endedReason: 'BYE' });
    await report({ userName: 'Per' });
    expect((await stored()).ended).toBe(t(30));
    const live = await call(server, 'listSessions', '/sbc/session?live=true', { headers: bearer(admin) });
    expect(live.body).toMatchObject({ total: 0 });
  });

  it('an answer that arrives after the end is recorded without regressing the end', async () => {
    await report({ started: t(0) });
    await report({ ended: t(60), endedReason: 'BYE', endedBy: 'B' });
    await report({ answered: t(4) });
    expect(await stored()).toMatchObject({ started: t(0), answered: t(4), ended: t(60), endedReason: 'BYE', endedBy: 'B' });
    expect(await eventTypes()).toEqual(['started', 'ended', 'answered']);
  });

  it('a late start fills in what is missing', async () => {
    await report({ answered: t(5) });
    await report({ started: t(0), aNumber: '+4511112222' });
    expect(await stored()).toMatchObject({ started: t(0), answered: t(5), aNumber: '+4511112222' });
  });

  it('other properties take the value of the latest report', async () => {
    await report({ userName: 'Per', started: t(0) });
    await report({ userName: 'Mette' });
    expect((await stored()).userName).toBe('Mette');
  });

  it('ended earlier than started is 422 ended, and changes nothing', async () => {
    await report({ started: t(10) });
    const res = await report({ ended: t(5) });
    expect(res.body).toMatchObject({ status: 422, message: 'ended' });
    expect((await stored()).ended).toBeUndefined();
  });

  it('ended earlier than answered is 422 ended', async () => {
    await report({ started: t(0), answered: t(10) });
    expect((await report({ ended: t(5) })).body).toMatchObject({ status: 422, message: 'ended' });
  });

  it('answered earlier than started is 422 answered', async () => {
    await report({ started: t(10) });
    expect((await report({ answered: t(5) })).body).toMatchObject({ status: 422, message: 'answered' });
  });

  it('a late answer later than the end is 422 answered', async () => {
    await report({ started: t(0), ended: t(10), endedReason: 'BYE' });
    expect((await report({ answered: t(20) })).body).toMatchObject({ status: 422, message: 'answered' });
  });
});

describe('SBC ownership', () => {
  it('defaults sbcServer to the token node', async () => {
    expect((await report({ started: t(0) })).body.sbcServer).toBe('10.0.0.1');
  });

  it('refuses a report naming another node: 409 sbcServer', async () => {
    const res = await report({ sbcServer: '10.0.0.2' });
    expect(res.body).toMatchObject({ status: 409, message: 'sbcServer' });
  });

  it("refuses a report on another node's session: 409 sbcServer", async () => {
    await report({ started: t(0) });
    const other = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.2' });
    const res = await report({ answered: t(3) }, other);
    expect(res.body).toMatchObject({ status: 409, message: 'sbcServer' });
    expect((await stored()).answered).toBeUndefined();
  });
});

describe('whole calls', () => {
  it('started -> answered -> ended', async () => {
    await report({ aNumber: '+4581808888', bNumber: '+4580808080', started: t(0) });
    await report({ answered: t(5) });
    await report({ ended: t(300), endedReason: 'BYE', endedBy: 'A' });
    expect(await stored()).toMatchObject({ started: t(0), answered: t(5), ended: t(300), endedReason: 'BYE', endedBy: 'A' });
    expect(await eventTypes()).toEqual(['started', 'answered', 'ended']);
  });

  it('started -> CANCEL', async () => {
    await report({ started: t(0) });
    await report({ ended: t(3), endedReason: 'CANCEL', endedBy: 'A' });
    expect(await stored()).toMatchObject({ ended: t(3), endedReason: 'CANCEL', endedBy: 'A' });
    expect((await stored()).answered).toBeUndefined();
  });

  it('started -> 486 Busy Here', async () => {
    await report({ started: t(0) });
    await report({ ended: t(2), endedReason: '486', endedBy: 'B' });
    expect(await stored()).toMatchObject({ endedReason: '486', endedBy: 'B' });
    expect(await eventTypes()).toEqual(['started', 'ended']);
  });
});

describe('POST /sbc/ingest', () => {
  const ingest = (sessions: object[], token = sbc) => call<IngestResponse>(server, 'ingestSessions', '/sbc/ingest', json(token, { sessions }, 'POST'));

  it('applies reports in order and answers one result per report', async () => {
    const res = await ingest([
      { callId: 'b1@x', started: t(0) },
      { callId: 'b1@x', answered: t(5) },
      { callId: 'b1@x', answered: t(5) },
    ]);
    expect(res.body).toEqual({
      created: 1,
      updated: 1,
      unchanged: 1,
      rejected: 0,
      results: [
        { callId: 'b1@x', result: 'created' },
        { callId: 'b1@x', result: 'updated' },
        { callId: 'b1@x', result: 'unchanged' },
      ],
    });
  });

  it('rejects one bad report with its error and applies the others', async () => {
    await ingest([{ callId: 'owned@x', started: t(0) }], await tokenFor(server, 'SBC', { sbcServer: '10.0.0.2' }));
    const res = await ingest([
      { callId: 'ok@x', started: t(10) },
      { callId: 'ok@x', ended: t(1) },
      { callId: 'owned@x', answered: t(2) },
      { callId: 'ok2@x', started: t(0) },
    ]);
    expect(res.body.results).toEqual([
      { callId: 'ok@x', result: 'created' },
      { callId: 'ok@x', result: 'rejected', error: { status: 422, message: 'ended', description: 'ended is earlier than started' } },
      { callId: 'owned@x', result: 'rejected', error: { status: 409, message: 'sbcServer', description: 'Session belongs to SBC 10.0.0.2' } },
      { callId: 'ok2@x', result: 'created' },
    ]);
    expect(res.body).toMatchObject({ created: 2, rejected: 2 });
    expect((await stored('ok@x')).ended).toBeUndefined();
  });

  it('takes 1000 reports in one batch', async () => {
    const sessions = Array.from({ length: 1000 }, (_, i) => ({ callId: `bulk-${i}@x`, started: t(0) }));
    expect((await ingest(sessions)).body.created).toBe(1000);
  });

  it('refuses more than 1000 reports whole: 422 sessions', async () => {
    const sessions = Array.from({ length: 1001 }, (_, i) => ({ callId: `bulk-${i}@x` }));
    const res = await ingest(sessions);
    expect(res.body).toMatchObject({ status: 422, message: 'sessions' });
    expect(await server.store.countLiveSessions()).toBe(0);
  });

  it('refuses a report without callId: 422 sessions', async () => {
    const res = await ingest([{ started: t(0) }]);
    expect(res.body).toMatchObject({ status: 422, message: 'sessions' });
  });

  it('refuses a body without sessions: 422 sessions', async () => {
    const res = await call(server, 'ingestSessions', '/sbc/ingest', json(sbc, {}, 'POST'));
    expect(res.body).toMatchObject({ status: 422, message: 'sessions' });
  });
});

describe('concurrent reports (applied together in one commit)', () => {
  it('answers each request with its own outcome, under its own token', async () => {
    await report({ started: t(0) }, sbc, 'owned@x');
    const other = await tokenFor(server, 'SBC', { sbcServer: '10.0.0.2' });
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => report({ started: t(i) }, sbc, `c${i}@x`)),
      report({ answered: t(1) }, other, 'owned@x'),
      report({ started: t(9), ended: t(1) }, sbc, 'bad@x'),
    ]);
    expect(answers.slice(0, 20).map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(answers[20]!.body).toMatchObject({ status: 409, message: 'sbcServer' });
    expect(answers[21]!.body).toMatchObject({ status: 422, message: 'ended' });
    expect((await stored('c7@x')).started).toBe(t(7));
  });

  it('applies many large batches arriving together, each answered with its own results', async () => {
    const batches = Array.from({ length: 5 }, (_, b) =>
      call<IngestResponse>(server, 'ingestSessions', '/sbc/ingest', json(sbc, { sessions: Array.from({ length: 1000 }, (_, i) => ({ callId: `g${b}-${i}@x`, started: t(0) })) }, 'POST')),
    );
    const answers = await Promise.all(batches);
    expect(answers.map((a) => a.body.created)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(answers[3]!.body.results[7]).toEqual({ callId: 'g3-7@x', result: 'created' });
  });

  it('creates once and updates once when two requests carry the same new call', async () => {
    const answers = await Promise.all([report({ started: t(0) }, sbc, 'twin@x'), report({ answered: t(2) }, sbc, 'twin@x')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(await stored('twin@x')).toMatchObject({ started: t(0), answered: t(2) });
  });
});
