import type { Event } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { frameOf } from '../src/events/frame.js';
import { EventHub, type StreamLimits, type Subscriber } from '../src/events/hub.js';
import { Metrics } from '../src/metrics.js';

const roomy: StreamLimits = { perToken: 100, total: 100, bufferTotal: 1024 * 1024 };
const hubWith = (limits: Partial<StreamLimits> = {}) => new EventHub({ ...roomy, ...limits }, async () => new Map(), new Metrics());

/** A subscriber that takes everything (or what `takes` lets through) and records it. */
class FakeSubscriber implements Subscriber {
  readonly received: number[] = [];
  readonly together: Array<Buffer | undefined> = [];
  disconnected = false;
  private leave = () => {};
  constructor(
    readonly tokenId = 'tok_a',
    private readonly queued = 0,
    private readonly takes: (event: Event) => boolean = () => true,
  ) {}
  accepts(event: Event): boolean {
    return this.takes(event);
  }
  send(events: readonly Event[], together: Buffer | undefined): void {
    for (const event of events) this.received.push(event.id);
    this.together.push(together);
  }
  queuedBytes(): number {
    return this.disconnected ? 0 : this.queued;
  }
  join(hub: EventHub): this {
    this.leave = hub.add(this);
    return this;
  }
  disconnect(): void {
    this.disconnected = true;
    this.leave();
  }
  close(): void {}
}

const events = (count: number): Event[] =>
  Array.from({ length: count }, (_, i) => ({ id: i + 1, type: 'started', callId: `c${i}@x`, time: '2030-01-01T12:00:00.000Z', session: { callId: `c${i}@x` } }));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fan-out', () => {
  it('delivers a large fan-out across turns of the event loop, so requests are served in between', async () => {
    const hub = hubWith();
    const subscribers = Array.from({ length: 100 }, () => new FakeSubscriber());
    for (const s of subscribers) hub.add(s);
    hub.publish(events(100));
    await nextTurn();
    const deliveredAfterOneTurn = subscribers.reduce((n, s) => n + s.received.length, 0);
    expect(deliveredAfterOneTurn).toBeGreaterThan(0);
    expect(deliveredAfterOneTurn).toBeLessThan(100 * 100);
    while (subscribers.some((s) => s.received.length < 100)) await nextTurn();
    for (const s of subscribers) expect(s.received).toEqual(events(100).map((e) => e.id));
  });

  it('keeps each stream in id order across publishes', async () => {
    const hub = hubWith();
    const subscriber = new FakeSubscriber();
    hub.add(subscriber);
    const all = events(6000);
    hub.publish(all.slice(0, 5000));
    hub.publish(all.slice(5000));
    while (subscriber.received.length < 6000) await nextTurn();
    expect(subscriber.received).toEqual(all.map((e) => e.id));
  });
});

describe('one write per stream and commit', () => {
  it('hands the streams that take every event of a commit one shared buffer of all its messages', async () => {
    const hub = hubWith();
    const [first, second] = [new FakeSubscriber().join(hub), new FakeSubscriber().join(hub)];
    const commit = events(3);
    hub.publish(commit);
    while (second.received.length < 3) await nextTurn();
    expect(first.together[0]?.toString()).toBe(commit.map((event) => frameOf(event).toString()).join(''));
    expect(second.together[0]).toBe(first.together[0]);
  });

  it('hands a stream that takes only some events of a commit those events alone', async () => {
    const hub = hubWith();
    const odd = new FakeSubscriber('tok_a', 0, (event) => event.id % 2 === 1).join(hub);
    hub.publish(events(5));
    while (odd.received.length < 3) await nextTurn();
    expect(odd.received).toEqual([1, 3, 5]);
    expect(odd.together).toEqual([undefined]);
  });
});

describe('the total bound on queued data', () => {
  it('disconnects the streams with the most data waiting first, only as many as it takes', () => {
    const hub = hubWith({ bufferTotal: 500 });
    const [small, slowest, slow] = [new FakeSubscriber('a', 100), new FakeSubscriber('b', 500), new FakeSubscriber('c', 300)];
    for (const s of [small, slowest, slow]) hub.add(s);
    hub.enforceBufferTotal();
    expect([small.disconnected, slowest.disconnected, slow.disconnected]).toEqual([false, true, false]);
  });

  it('disconnects the streams waiting for events that fan-out has not handed out yet, once those alone pass the bound', async () => {
    const hub = hubWith({ bufferTotal: 10 * 1024 });
    const subscribers = [new FakeSubscriber().join(hub), new FakeSubscriber().join(hub)];
    // About 25 KB of messages, none delivered yet.
    hub.publish(events(200));
    hub.enforceBufferTotal();
    expect(subscribers.map((s) => s.disconnected)).toEqual([true, true]);
    await nextTurn();
    expect(subscribers.map((s) => s.received.length)).toEqual([0, 0]);
  });
});
