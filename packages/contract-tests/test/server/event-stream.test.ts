import { describe, expect, it } from 'vitest';
import { describeExchange, exchange } from '../../src/server/exchange.js';
import { sessions } from '../../src/server/world.js';
import { parseEventStream } from '../../src/spec/event-stream.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe('the event stream sends only Events the contract describes', () => {
  it('replays every stored event as a valid Event, in order, named by its type', async () => {
    const { contract, sut, world, coverage } = fixture;
    const request = world.as('ADMIN', { method: 'GET', target: '/sbc/events', headers: { 'last-event-id': '0' } });
    const untilThree = (text: string) => parseEventStream(text).length >= 3;
    const result = await exchange(contract, sut.url, request, coverage, 'scenario', { streamMs: 5000, until: untilThree });
    expect(result.problem, describeExchange(request, result)).toBeUndefined();
    const messages = parseEventStream(result.response.body.toString('utf8'));
    expect(messages.length).toBeGreaterThanOrEqual(3);
    const ids = messages.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('sends the owning SBC a valid terminate command when its call is ended', async () => {
    const { contract, sut, world, coverage } = fixture;
    const end = world.as('ADMIN', { method: 'DELETE', target: `/sbc/session/${encodeURIComponent(sessions.liveOfA)}`, headers: {} });
    expect((await exchange(contract, sut.url, end, coverage, 'scenario')).response.status).toBe(200);
    const request = world.as('SBC', { method: 'GET', target: '/sbc/events', headers: {} });
    const untilCommand = (text: string) => text.includes('"type":"terminate"');
    const result = await exchange(contract, sut.url, request, coverage, 'scenario', { streamMs: 5000, until: untilCommand });
    expect(result.problem, describeExchange(request, result)).toBeUndefined();
    const commands = parseEventStream(result.response.body.toString('utf8')).map((m) => JSON.parse(m.data) as { type: string; callId: string });
    expect(commands).toContainEqual(expect.objectContaining({ type: 'terminate', callId: sessions.liveOfA }));
  });
});
