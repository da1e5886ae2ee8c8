// The load stage (`pnpm e2e --load RATE SECONDS [--stop agent|api SECONDS]`): calls at RATE per
// second for SECONDS through Kamailio, the agent and the server (optionally with the agent or the
// API stopped for a while), then the figures: calls per second sustained, failed calls, the delay
// from a call's end to its end in the store (p50, p99), Kamailio's shared memory in use at the
// start, peak and end, and the machine's load average. Not part of `pnpm e2e`'s suite.
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callCounts, Stack } from './stack.js';

const rate = Number(process.env['E2E_LOAD_RATE']);
const seconds = Number(process.env['E2E_LOAD_SECONDS']);
// A fault during the run: `agent` or `api` stopped 5 s in, for this many seconds, then started again.
const [faultTarget, faultSeconds] = (process.env['E2E_LOAD_FAULT'] ?? '').split(':') as [string, string];
const stack = new Stack();
const MB = 1024 * 1024;

beforeAll(() => stack.start(), 60_000);
afterAll(() => stack.stop());

async function storedCalls(expected: number) {
  let sessions = await stack.endedSessions('load');
  let lastGrowth = Date.now();
  while (sessions.length < expected && Date.now() - lastGrowth < 15_000) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await stack.endedSessions('load');
    if (now.length > sessions.length) lastGrowth = Date.now();
    sessions = now;
  }
  return sessions;
}

async function fault(target: string, ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5000));
  if (target === 'agent') await stack.stopAgent();
  else await stack.stopServer();
  await new Promise((resolve) => setTimeout(resolve, ms));
  if (target === 'agent') await stack.startAgent();
  else await stack.startServer();
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

it(`load: ${rate} calls per second for ${seconds} s`, async () => {
  const total = rate * seconds;
  const loadBefore = loadavg();
  const kamailio = stack.watchKamailio();
  const run = await stack.calls('uas-answers.xml', 'uac-caller-hangs-up.xml', 'load', { count: total, rate, holdMs: 1000 });
  if (faultTarget) await fault(faultTarget, Number(faultSeconds) * 1000);
  const exitCodes = await Promise.all([run.uac.exited, run.uas.exited]);
  const loadDuring = loadavg();
  const counts = callCounts(run);
  // Every call sipp completed should reach the store: wait until it has, or until the count
  // stops growing for 15 s (calls whose events were lost never end in the store).
  const stored = await storedCalls(counts.successful);
  const memory = await kamailio.stop();
  const storedAt = new Map(stack.events.filter(({ event }) => event.type === 'ended').map(({ event, at }) => [event.callId, at]));
  const delays = stored.flatMap((session) => (storedAt.has(session.callId) ? [storedAt.get(session.callId)! - Date.parse(session.ended!)] : [])).sort((a, b) => a - b);
  const starts = stored.map((session) => Date.parse(session.started!)).sort((a, b) => a - b);
  const health = await stack.health();
  const figures = {
    requested: { rate, seconds, calls: total, ...(faultTarget ? { stopped: `${faultTarget} for ${faultSeconds} s` } : {}) },
    sustainedCallsPerSecond: Number((stored.length / ((starts.at(-1)! - starts[0]!) / 1000)).toFixed(1)),
    sippElapsedSeconds: counts.elapsedSeconds,
    successfulCalls: counts.successful,
    failedCalls: counts.failed,
    sippExitCodes: exitCodes,
    stored: stored.length,
    endToStoredMs: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays.at(-1) },
    kamailioShmMB: {
      total: Number((memory.total / MB).toFixed(1)),
      start: Number((memory.startUsed / MB).toFixed(1)),
      peak: Number((memory.peakUsed / MB).toFixed(1)),
      end: Number((memory.endUsed / MB).toFixed(1)),
    },
    peakEventCopiesHeld: memory.peakHeld,
    agent: { dropped: health.dropped, rejected: health.rejected, lostInKamailio: health.lostInKamailio },
    loadAverage: { before: loadBefore.map((n) => n.toFixed(2)), atEnd: loadDuring.map((n) => n.toFixed(2)) },
  };
  writeFileSync(join(stack.work, 'load-figures.json'), JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
  expect(figures.failedCalls).toBe(0);
  expect(figures.stored).toBe(total);
}, 900_000);
