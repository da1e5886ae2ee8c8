// End to end: real SIP calls from sipp through a real Kamailio SBC, the sbc-agent beside it, and
// the real server. Run through run.sh (`pnpm e2e`), which installs the Debian packages and builds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../packages/client/dist/index.js';
import { waitFor } from './processes.js';
import { callee, caller, callCounts, Stack, type CallOptions, type CallRun } from './stack.js';

const diverter = '+4570303030';
const stack = new Stack();

beforeAll(() => stack.start(), 60_000);
afterAll(() => stack.stop());

const calls = (uas: string, uac: string, prefix: string, options?: CallOptions) => stack.calls(uas, uac, prefix, options);

async function finished(run: CallRun): Promise<void> {
  expect(await run.uac.exited, `caller sipp failed, see ${run.uac.logFile}`).toBe(0);
  expect(await run.uas.exited, `callee sipp failed, see ${run.uas.logFile}`).toBe(0);
}

async function sessionWhere(callId: string, done: (session: Session) => boolean): Promise<Session> {
  return waitFor(`session ${callId}`, async () => {
    const session = await stack.api.getSession(callId).catch(() => undefined);
    return session && done(session) ? session : undefined;
  });
}

const ended = (callId: string) => sessionWhere(callId, (session) => session.ended !== undefined);

async function eventTypes(callId: string): Promise<string[]> {
  return waitFor(`the ended event of ${callId}`, async () => {
    const types = stack.events.filter(({ event }) => event.callId === callId).map(({ event }) => event.type);
    return types.includes('ended') ? types : undefined;
  });
}

/** Timestamps in order, all within the test's own window. */
function expectTimeline(session: Session, since: number): void {
  const started = Date.parse(session.started!);
  expect(started).toBeGreaterThanOrEqual(since - 1000);
  if (session.answered) expect(Date.parse(session.answered)).toBeGreaterThanOrEqual(started);
  expect(Date.parse(session.ended!)).toBeGreaterThanOrEqual(Date.parse(session.answered ?? session.started!));
  expect(Date.parse(session.ended!)).toBeLessThanOrEqual(Date.now());
}

const sipFacts = {
  aNumber: caller,
  aNumberPrivacy: 0,
  bNumber: callee,
  divertedBy: diverter,
  sbcServer: '127.0.0.1',
  sourceIP: '127.0.0.1',
  destinationIP: '127.0.0.1',
  direction: 'O',
  mobileOriginated: 1,
  userAgent: 'e2e-sipp-uac',
};

describe('calls through Kamailio reach the store', () => {
  it('an answered call the caller hangs up: endedReason BYE, endedBy A', async () => {
    const since = Date.now();
    await finished(await calls('uas-answers.xml', 'uac-caller-hangs-up.xml', 'caller-bye'));
    const session = await ended('caller-bye-1@127.0.0.1');
    expect(session).toMatchObject({ ...sipFacts, endedReason: 'BYE', endedBy: 'A' });
    expect(session.answered).toBeDefined();
    expectTimeline(session, since);
    expect(await eventTypes(session.callId)).toEqual(['started', 'answered', 'ended']);
  });

  it('an answered call the callee hangs up: endedBy B', async () => {
    const since = Date.now();
    await finished(await calls('uas-answers-hangs-up.xml', 'uac-caller-waits-for-bye.xml', 'callee-bye'));
    const session = await ended('callee-bye-1@127.0.0.1');
    expect(session).toMatchObject({ ...sipFacts, endedReason: 'BYE', endedBy: 'B' });
    expectTimeline(session, since);
    expect(await eventTypes(session.callId)).toEqual(['started', 'answered', 'ended']);
  });

  it('a call the callee rejects with 486: endedReason 486, never answered', async () => {
    const since = Date.now();
    await finished(await calls('uas-rejects-busy.xml', 'uac-caller-rejected.xml', 'busy'));
    const session = await ended('busy-1@127.0.0.1');
    expect(session).toMatchObject({ ...sipFacts, endedReason: '486', endedBy: 'B' });
    expect(session.answered).toBeUndefined();
    expectTimeline(session, since);
    expect(await eventTypes(session.callId)).toEqual(['started', 'ended']);
  });

  it('a call the hidden caller cancels while it rings: endedReason CANCEL, endedBy A, privacy 1', async () => {
    const since = Date.now();
    await finished(await calls('uas-rings.xml', 'uac-caller-cancels.xml', 'cancel'));
    const session = await ended('cancel-1@127.0.0.1');
    expect(session).toMatchObject({ aNumber: caller, aNumberPrivacy: 1, bNumber: callee, endedReason: 'CANCEL', endedBy: 'A' });
    expect(session.answered).toBeUndefined();
    expect(session.divertedBy).toBeUndefined();
    expectTimeline(session, since);
    expect(await eventTypes(session.callId)).toEqual(['started', 'ended']);
  });

  it('ending a live call through DELETE /sbc/session/{id} sends both sides a BYE through Kamailio: endedBy S', async () => {
    const since = Date.now();
    const run = await calls('uas-answers.xml', 'uac-caller-waits-for-bye.xml', 'api-end');
    const callId = 'api-end-1@127.0.0.1';
    await sessionWhere(callId, (session) => session.answered !== undefined);
    expect(await stack.api.endCall(callId)).toMatchObject({ success: true, outcome: 'requested' });
    // Both sipp ends exit 0 only after receiving the BYE and answering it.
    await finished(run);
    const session = await ended(callId);
    expect(session).toMatchObject({ ...sipFacts, endedReason: 'BYE', endedBy: 'S' });
    expectTimeline(session, since);
    expect(await eventTypes(callId)).toEqual(['started', 'answered', 'terminationRequested', 'ended']);
  });

  it('ending a call that still rings answers the caller 487 and cancels the callee: endedReason 487, endedBy S', async () => {
    const since = Date.now();
    const run = await calls('uas-rings.xml', 'uac-caller-rings-until-ended.xml', 'api-end-ringing');
    const callId = 'api-end-ringing-1@127.0.0.1';
    await sessionWhere(callId, (session) => session.started !== undefined);
    expect(await stack.api.endCall(callId)).toMatchObject({ success: true, outcome: 'requested' });
    // The callee's sipp exits 0 only after the CANCEL, the caller's only after the 487.
    await finished(run);
    const session = await ended(callId);
    expect(session).toMatchObject({ ...sipFacts, endedReason: '487', endedBy: 'S' });
    expect(session.answered).toBeUndefined();
    expectTimeline(session, since);
    expect(await eventTypes(callId)).toEqual(['started', 'terminationRequested', 'ended']);
  });

  it('an agent restart loses nothing: a call made while it is down reaches the store once it is back', async () => {
    expect(await stack.stopAgent()).toBe(0);
    const since = Date.now();
    await finished(await calls('uas-answers.xml', 'uac-caller-hangs-up.xml', 'agent-down'));
    await stack.startAgent();
    const session = await ended('agent-down-1@127.0.0.1');
    expect(session).toMatchObject({ ...sipFacts, endedReason: 'BYE', endedBy: 'A' });
    expectTimeline(session, since);
    expect(await eventTypes(session.callId)).toEqual(['started', 'answered', 'ended']);
  });
});

describe('load', () => {
  it('50 calls per second for 20 seconds: every call is stored with its start, answer and end', async () => {
    const total = 1000;
    const since = Date.now();
    await finished(await calls('uas-answers.xml', 'uac-caller-hangs-up.xml', 'load', { count: total, rate: 50, holdMs: 1000 }));
    const stored = await stack.waitForEnded('load', total);
    for (const session of stored) {
      expect(session).toMatchObject({ endedReason: 'BYE', endedBy: 'A', bNumber: callee });
      expect(session.answered).toBeDefined();
      expectTimeline(session, since);
    }
    expect(new Set(stored.map((session) => session.callId)).size).toBe(total);
    expect(await stack.health()).toMatchObject({ dropped: 0, rejected: 0, lostInKamailio: 0 });
  }, 180_000);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

/** Every call of `prefix` reached the store exactly once: one session, one `started` event each. */
function expectEachCallOnce(prefix: string, stored: Session[], total: number): void {
  expect(new Set(stored.map((session) => session.callId)).size).toBe(total);
  const starts = stack.events.filter(({ event }) => event.type === 'started' && event.callId.startsWith(`${prefix}-`));
  expect(starts).toHaveLength(total);
}

/** Runs calls at `rate` for `seconds`, doing `during` meanwhile; no call may fail. */
async function callsAtRate(prefix: string, rate: number, seconds: number, during: () => Promise<void> = async () => undefined): Promise<CallRun> {
  const run = await calls('uas-answers.xml', 'uac-caller-hangs-up.xml', prefix, { count: rate * seconds, rate, holdMs: 1000 });
  await during();
  await finished(run);
  expect(callCounts(run)).toMatchObject({ successful: rate * seconds, failed: 0 });
  return run;
}

describe('at carrier rates, with the default configuration (Kamailio -m 64)', () => {
  it('300 calls per second for 10 seconds: no call fails, every call is stored once, Kamailio holds only the recent copies', async () => {
    const kamailio = stack.watchKamailio();
    await callsAtRate('rate300', 300, 10);
    const stored = await stack.waitForEnded('rate300', 3000);
    const memory = await kamailio.stop();
    console.log(`300/s for 10 s: Kamailio shm used ${(memory.startUsed / MB).toFixed(1)} → peak ${(memory.peakUsed / MB).toFixed(1)} → ${(memory.endUsed / MB).toFixed(1)} MB, at most ${memory.peakHeld} event copies held`);
    expectEachCallOnce('rate300', stored, 3000);
    expect(await stack.health()).toMatchObject({ dropped: 0, rejected: 0, lostInKamailio: 0 });
    // A healthy agent acknowledges within a fraction of a second: far fewer than the 9,000 events of the run.
    expect(memory.peakHeld).toBeLessThan(3000);
  }, 180_000);

  it('the agent stopped for 12 s during 200 calls per second: no call fails, every call of the gap reaches the store once', async () => {
    const kamailio = stack.watchKamailio();
    let agentDown = 0;
    await callsAtRate('agent-gap', 200, 20, async () => {
      await sleep(4000);
      expect(await stack.stopAgent()).toBe(0);
      agentDown = Date.now();
      await sleep(12_000);
      await stack.startAgent();
    });
    const stored = await stack.waitForEnded('agent-gap', 4000);
    const memory = await kamailio.stop();
    console.log(`agent gap: every call stored ${Date.now() - agentDown} ms after the agent stopped; Kamailio shm peak ${(memory.peakUsed / MB).toFixed(1)} MB, at most ${memory.peakHeld} event copies held`);
    expectEachCallOnce('agent-gap', stored, 4000);
    expect(await stack.health()).toMatchObject({ dropped: 0, lostInKamailio: 0 });
    // The copies of the gap were held (about 3 events a call), within the bound, and let go once the agent had them.
    expect(memory.peakHeld).toBeGreaterThan(12 * 200 * 2);
    expect(memory.peakHeld).toBeLessThanOrEqual(50_000);
    await waitFor('Kamailio to let go of the acknowledged copies', async () => ((await stack.heldCopies()) < 1000 ? true : undefined));
  }, 180_000);

  it('the API stopped for 10 s during 200 calls per second: the agent buffers on disk and delivers everything after', async () => {
    let bufferedAtRestart = 0;
    await callsAtRate('api-gap', 200, 15, async () => {
      await sleep(3000);
      await stack.stopServer();
      await sleep(10_000);
      bufferedAtRestart = (await stack.health()).buffered;
      await stack.startServer();
    });
    const stored = await stack.waitForEnded('api-gap', 3000);
    expect(bufferedAtRestart).toBeGreaterThan(10 * 200);
    expectEachCallOnce('api-gap', stored, 3000);
    expect(await stack.health()).toMatchObject({ buffered: 0, dropped: 0, lostInKamailio: 0 });
  }, 180_000);

  it("the agent's buffer at its bound while the API is down: reports beyond it are dropped, counted and reported (503), calls unaffected", async () => {
    expect(await stack.stopAgent()).toBe(0);
    await stack.startAgent({ SBC_AGENT_BUFFER_MAX_REPORTS: '500', SBC_AGENT_BUFFER_DIR: `${stack.work}/small-buffer` });
    await stack.stopServer();
    await callsAtRate('buffer-full', 100, 5);
    // 500 calls make 1,500 reports: 500 fit in the buffer, the rest are counted as dropped.
    const health = await waitFor('the agent to count every report beyond its bound', async () => {
      const answer = await fetch(stack.healthUrl);
      const body = (await answer.json()) as { buffered: number; dropped: number; problems: string[] };
      return answer.status === 503 && body.dropped >= 1000 ? body : undefined;
    });
    expect(health).toMatchObject({ buffered: 500, problems: ['buffer full: reports are dropped'] });
    await stack.startServer();
    await waitFor('the buffer delivered', async () => ((await stack.health()).buffered === 0 ? true : undefined));
    expect(await stack.stopAgent()).toBe(0);
    await stack.startAgent();
  }, 180_000);
});
