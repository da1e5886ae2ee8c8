// End to end: real SIP calls from sipp through a real Kamailio SBC, the sbc-agent beside it, and
// the real server. Run through run.sh (`pnpm e2e`), which installs the Debian packages and builds.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSbcClient, type SbcClient, type SbcEvent, type Session } from '../packages/client/dist/index.js';
import { freeTcpPort, freeUdpPort, Processes, udpPortBound, waitFor, type Child } from './processes.js';

const root = resolve(import.meta.dirname, '..');
const scenario = (name: string) => join(import.meta.dirname, 'scenarios', name);
const work = mkdtempSync(join(tmpdir(), 'sbc-e2e-'));
const processes = new Processes(work, process.env['E2E_PID_FILE'] ?? join(work, 'pids'));
const caller = '+4581808888';
const callee = '+4580808080';
const diverter = '+4570303030';

let api: SbcClient;
let sipPort: number;
let healthUrl: string;
const events: SbcEvent[] = [];
const watching = new AbortController();

let agentEnv: Record<string, string>;
let agent: Child;

async function startAgent(): Promise<void> {
  agent = processes.start('agent', 'node', [join(root, 'apps/sbc-agent/dist/main.js')], agentEnv);
  await waitFor('the agent connected to Kamailio', async () => {
    const health = (await (await fetch(healthUrl)).json()) as { kamailio: string };
    return health.kamailio === 'connected' ? true : undefined;
  });
}

function admin(...args: string[]): string {
  const out = execFileSync('node', [join(root, 'apps/server/dist/admin.js'), ...args], {
    env: { ...process.env, SBC_DB: join(work, 'sessions.db') },
  });
  return out.toString().trim().split('\n').at(-1)!;
}

async function ok(url: string, init?: RequestInit): Promise<true | undefined> {
  return (await fetch(url, init)).ok ? true : undefined;
}

beforeAll(async () => {
  const [apiPort, rpcPort, evapiPort, healthPort] = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort(), await freeTcpPort()];
  sipPort = await freeUdpPort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  healthUrl = `http://127.0.0.1:${healthPort}/healthz`;

  const sbcToken = admin('token', 'create', '--level', 'SBC', '--sbc-server', '127.0.0.1', '--name', 'e2e-sbc');
  const adminToken = admin('token', 'create', '--level', 'ADMIN', '--name', 'e2e-admin');

  processes.start('server', 'node', [join(root, 'apps/server/dist/main.js')], {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    SBC_DB: join(work, 'sessions.db'),
    LOG_LEVEL: 'warn',
  });
  await waitFor('the server', () => ok(`${apiUrl}/readyz`));

  processes.start('kamailio', 'kamailio', [
    '-f', join(root, 'deploy/kamailio/kamailio.cfg'),
    '-DD', '-E', '-m', '64', '-M', '8', '-Y', work, '-w', work,
    '-A', `SIP_PORT=${sipPort}`, '-A', `RPC_PORT=${rpcPort}`, '-A', `EVAPI_BIND="127.0.0.1:${evapiPort}"`,
  ]);
  const rpcBody = JSON.stringify({ jsonrpc: '2.0', method: 'core.version', id: 1 });
  await waitFor('Kamailio JSON-RPC', () => ok(rpcUrl, { method: 'POST', body: rpcBody }));

  agentEnv = {
    SBC_API_URL: apiUrl,
    SBC_API_TOKEN: sbcToken,
    SBC_SERVER_IP: '127.0.0.1',
    KAMAILIO_EVAPI_ADDRESS: `127.0.0.1:${evapiPort}`,
    KAMAILIO_RPC_URL: rpcUrl,
    KAMAILIO_SIP_ADDRESS: `127.0.0.1:${sipPort}`,
    SBC_AGENT_BUFFER_DIR: join(work, 'agent-buffer'),
    SBC_AGENT_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
    SBC_AGENT_BATCH_MAX_LATENCY_MS: '50',
    LOG_LEVEL: 'info',
  };
  await startAgent();

  api = createSbcClient({ baseUrl: apiUrl, token: adminToken });
  void (async () => {
    for await (const event of api.events({ signal: watching.signal, lastEventId: 0 })) events.push(event);
  })().catch(() => undefined);
}, 60_000);

afterAll(async () => {
  watching.abort();
  await processes.stopAll();
  console.log(`e2e logs: ${work}`);
});

interface CallRun {
  uas: Child;
  uac: Child;
}

/** One callee (sipp UAS) and one caller (sipp UAC) through Kamailio; Call-IDs are `<prefix>-<n>@127.0.0.1`. */
async function calls(uasScenario: string, uacScenario: string, prefix: string, options: { count?: number; rate?: number; holdMs?: number } = {}): Promise<CallRun> {
  const count = String(options.count ?? 1);
  const hold = String(options.holdMs ?? 300);
  const [uasPort, uacPort, uasMedia, uacMedia] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  const common = ['-i', '127.0.0.1', '-m', count, '-nostdin', '-timeout', '90s', '-timeout_error', '-d', hold, '-trace_err'];
  const uas = processes.start(`${prefix}-uas`, 'sipp', ['-sf', scenario(uasScenario), '-p', String(uasPort), '-mp', String(uasMedia), ...common]);
  await udpPortBound(uasPort);
  const uac = processes.start(`${prefix}-uac`, 'sipp', [
    `127.0.0.1:${uasPort}`, '-rsa', `127.0.0.1:${sipPort}`, '-sf', scenario(uacScenario), '-s', callee,
    '-p', String(uacPort), '-mp', String(uacMedia), '-cid_str', `${prefix}-%u@127.0.0.1`,
    ...(options.rate ? ['-r', String(options.rate), '-l', '500'] : []),
    ...common,
  ]);
  return { uas, uac };
}

async function finished(run: CallRun): Promise<void> {
  expect(await run.uac.exited, `caller sipp failed, see ${run.uac.logFile}`).toBe(0);
  expect(await run.uas.exited, `callee sipp failed, see ${run.uas.logFile}`).toBe(0);
}

async function sessionWhere(callId: string, done: (session: Session) => boolean): Promise<Session> {
  return waitFor(`session ${callId}`, async () => {
    const session = await api.getSession(callId).catch(() => undefined);
    return session && done(session) ? session : undefined;
  });
}

const ended = (callId: string) => sessionWhere(callId, (session) => session.ended !== undefined);

async function eventTypes(callId: string): Promise<string[]> {
  return waitFor(`the ended event of ${callId}`, async () => {
    const types = events.filter((event) => event.callId === callId).map((event) => event.type);
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
    expect(await api.endCall(callId)).toMatchObject({ success: true, outcome: 'requested' });
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
    expect(await api.endCall(callId)).toMatchObject({ success: true, outcome: 'requested' });
    // The callee's sipp exits 0 only after the CANCEL, the caller's only after the 487.
    await finished(run);
    const session = await ended(callId);
    expect(session).toMatchObject({ ...sipFacts, endedReason: '487', endedBy: 'S' });
    expect(session.answered).toBeUndefined();
    expectTimeline(session, since);
    expect(await eventTypes(callId)).toEqual(['started', 'terminationRequested', 'ended']);
  });

  it('an agent restart loses nothing: a call made while it is down reaches the store once it is back', async () => {
    agent.process.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    const since = Date.now();
    await finished(await calls('uas-answers.xml', 'uac-caller-hangs-up.xml', 'agent-down'));
    await startAgent();
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
    const stored = await waitFor('every load call ended in the store', async () => {
      const sessions: Session[] = [];
      for await (const session of api.listAllSessions({ full: true, number: caller })) {
        if (session.callId.startsWith('load-') && (session as Session).ended) sessions.push(session as Session);
      }
      return sessions.length === total ? sessions : undefined;
    }, 60_000, 1000);
    for (const session of stored) {
      expect(session).toMatchObject({ endedReason: 'BYE', endedBy: 'A', bNumber: callee });
      expect(session.answered).toBeDefined();
      expectTimeline(session, since);
    }
    expect(new Set(stored.map((session) => session.callId)).size).toBe(total);
    const health = (await (await fetch(healthUrl)).json()) as { dropped: number; rejected: number };
    expect(health).toMatchObject({ dropped: 0, rejected: 0 });
  }, 180_000);
});
