import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSbcClient, type IngestReport } from '@sbc/client';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../src/outbox.js';
import { Shipper } from '../src/shipper.js';
import { startFakeApi, type FakeApi } from './fake-api.js';

const log = pino({ level: 'silent' });
const report = (n: number): IngestReport => ({ callId: `call-${n}@test`, sbcServer: '10.0.0.5', started: '2024-01-01T00:00:00.000Z' });
const callIds = (batches: IngestReport[][]) => batches.flat().map((r) => r.callId);

let api: FakeApi;
let dir: string;
const running: Shipper[] = [];

function ship(outbox: Outbox, options: { batchSize?: number; maxLatencyMs?: number } = {}): Shipper {
  const client = createSbcClient({ baseUrl: api.url, token: 'sbc-token' });
  const shipper = new Shipper(outbox, client, log, { batchSize: 10, maxLatencyMs: 20, retryDelayMs: 10, maxRetryDelayMs: 50, ...options });
  shipper.start();
  running.push(shipper);
  return shipper;
}

beforeEach(async () => {
  api = await startFakeApi();
  dir = mkdtempSync(join(tmpdir(), 'sbc-agent-test-'));
});

afterEach(async () => {
  for (const shipper of running.splice(0)) await shipper.stop(0);
  await api.close();
});

describe('batching', () => {
  it('never sends more than the batch size in one request, and sends every report once, in order', async () => {
    const outbox = Outbox.open(dir, 1000);
    for (let n = 0; n < 95; n++) outbox.push(report(n));
    ship(outbox, { batchSize: 10 });
    await api.received(95);
    expect(api.batches.every((batch) => batch.length <= 10)).toBe(true);
    expect(callIds(api.batches)).toEqual(Array.from({ length: 95 }, (_, n) => `call-${n}@test`));
  });

  it('sends a batch that did not fill up once its oldest report has waited the maximum latency', async () => {
    const outbox = Outbox.open(dir, 1000);
    ship(outbox, { batchSize: 500, maxLatencyMs: 30 });
    outbox.push(report(1));
    outbox.push(report(2));
    await api.received(2);
    expect(api.batches).toEqual([[report(1), report(2)]]);
  });
});

describe('an API outage', () => {
  it('keeps the reports while the API fails and delivers all of them, once, when it recovers', async () => {
    api.down = true;
    const outbox = Outbox.open(dir, 1000);
    const shipper = ship(outbox);
    for (let n = 0; n < 25; n++) outbox.push(report(n));
    while (api.failedRequests < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(outbox.size).toBe(25);
    api.down = false;
    await api.received(25);
    await shipper.stop(1000);
    expect(callIds(api.batches)).toEqual(Array.from({ length: 25 }, (_, n) => `call-${n}@test`));
    expect(outbox.size).toBe(0);
  });

  it('a graceful stop during an outage leaves the undelivered reports on disk for the next start', async () => {
    api.down = true;
    const outbox = Outbox.open(dir, 1000);
    const shipper = ship(outbox);
    for (let n = 0; n < 7; n++) outbox.push(report(n));
    await shipper.stop(50);
    running.splice(running.indexOf(shipper), 1);

    api.down = false;
    const reopened = Outbox.open(dir, 1000);
    expect(reopened.size).toBe(7);
    ship(reopened);
    await api.received(7);
    expect(callIds(api.batches)).toEqual(Array.from({ length: 7 }, (_, n) => `call-${n}@test`));
  });

  it('a graceful stop delivers what is buffered without waiting for the batch to fill', async () => {
    const outbox = Outbox.open(dir, 1000);
    const shipper = ship(outbox, { batchSize: 1000, maxLatencyMs: 60_000 });
    outbox.push(report(1));
    await shipper.stop(5000);
    running.splice(running.indexOf(shipper), 1);
    expect(callIds(api.batches)).toEqual(['call-1@test']);
    expect(Outbox.open(dir, 1000).size).toBe(0);
  });
});

describe('the on-disk buffer', () => {
  it('reads back after a restart exactly the reports that were not acknowledged', () => {
    const outbox = Outbox.open(dir, 1000);
    for (let n = 0; n < 5; n++) outbox.push(report(n));
    outbox.acknowledge(2);
    // No close: a crash leaves the files as they are.
    const reopened = Outbox.open(dir, 1000);
    expect(reopened.peek(10).map((entry) => entry.report)).toEqual([report(2), report(3), report(4)]);
  });

  it('ignores a last line cut short by a crash in the middle of a write', async () => {
    const outbox = Outbox.open(dir, 1000);
    outbox.push(report(1));
    const journal = readdirSync(dir).find((name) => name.startsWith('journal-'))!;
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(dir, journal), '{"callId":"half');
    expect(Outbox.open(dir, 1000).peek(10).map((entry) => entry.report)).toEqual([report(1)]);
  });

  it('keeps every readable report of a journal damaged in the middle, and logs the damage', () => {
    const outbox = Outbox.open(dir, 1000);
    for (let n = 0; n < 3; n++) outbox.push(report(n));
    outbox.close();
    const journal = join(dir, readdirSync(dir).find((name) => name.startsWith('journal-'))!);
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, [lines[0], lines[1]!.slice(0, 12), lines[2], '{"callId":"cut'].join('\n'));
    const damage: string[] = [];
    const reopened = Outbox.open(dir, 1000, (_details, message) => damage.push(message));
    expect(reopened.peek(10).map((entry) => entry.report)).toEqual([report(0), report(2)]);
    expect(damage).toEqual(['the buffer journal ends in a line cut short; it is not a report', 'skipped unreadable lines of the buffer journal']);
  });

  it('recovers from a damaged cursor by reading the newest journal from its start', () => {
    const outbox = Outbox.open(dir, 1000);
    for (let n = 0; n < 3; n++) outbox.push(report(n));
    outbox.acknowledge(1);
    outbox.close();
    writeFileSync(join(dir, 'cursor.json'), '{"journal":"jour');
    const damage: string[] = [];
    const reopened = Outbox.open(dir, 1000, (_details, message) => damage.push(message));
    // Delivered twice rather than lost: the store ignores a report it already has.
    expect(reopened.peek(10).map((entry) => entry.report)).toEqual([report(0), report(1), report(2)]);
    expect(damage).toHaveLength(1);
    expect(damage[0]).toMatch(/cursor is damaged/);
  });

  it('refuses, and counts, reports beyond its bound instead of growing without limit', () => {
    const outbox = Outbox.open(dir, 3);
    const accepted = [1, 2, 3, 4, 5].map((n) => outbox.push(report(n)));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(outbox.droppedCount).toBe(2);
    expect(Outbox.open(dir, 3).size).toBe(3);
  });

  it('keeps one journal file however many reports went through it', () => {
    const outbox = Outbox.open(dir, 100_000);
    for (let n = 0; n < 12_000; n += 1000) outbox.append(Array.from({ length: 1000 }, (_, k) => ({ report: report(n + k), queuedAt: Date.now() })));
    for (let n = 0; n < 12_000; n += 1000) outbox.acknowledge(1000);
    expect(readdirSync(dir).filter((name) => name.startsWith('journal-'))).toHaveLength(1);
    expect(Outbox.open(dir, 100_000).size).toBe(0);
  });
});
