// The event stream against the real server, with the connection cut in the middle of the stream:
// the client reconnects with Last-Event-ID and the caller sees every event once, in order.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSbcClient, type SbcEvent } from '../../src/index.js';
import { started, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.server.close());

/** A fetch that cuts the first event stream right after its first complete event. */
function cuttingFetch() {
  const connections: Array<string | null> = [];
  const cut = async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    if (!new URL(request.url).pathname.endsWith('/sbc/events')) return response;
    connections.push(request.headers.get('last-event-id'));
    if (connections.length > 1 || !response.body) return response;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let text = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = await reader.read();
        if (chunk.done) return controller.close();
        text += decoder.decode(chunk.value, { stream: true });
        const end = text.indexOf('\n\n', text.indexOf('data:'));
        if (text.includes('data:') && end >= 0) {
          controller.enqueue(encoder.encode(text.slice(0, end + 2)));
          await reader.cancel();
          controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
          return;
        }
        // Nothing complete yet: hold it back until the first event is whole.
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch: cut, connections };
}

it('resumes after a dropped connection without losing or repeating an event', async () => {
  const sbc = t.client(t.sbc);
  const before = ['drop-0@h', 'drop-1@h', 'drop-2@h', 'drop-3@h'];
  for (const callId of before) await sbc.reportSession(callId, { started });

  const cutter = cuttingFetch();
  const client = createSbcClient({ baseUrl: t.server.url, token: t.admin, fetch: cutter.fetch, retries: { attempts: 3, baseDelayMs: 1, maxDelayMs: 20 } });
  const controller = new AbortController();
  const seen: SbcEvent[] = [];
  const after = ['drop-4@h', 'drop-5@h'];
  // lastEventId 0: replay everything the server still holds, so nothing races the connection.
  for await (const event of client.events({ lastEventId: 0, types: ['started'], signal: controller.signal })) {
    seen.push(event);
    if (event.callId === 'drop-3@h') for (const callId of after) await sbc.reportSession(callId, { started });
    if (event.callId === 'drop-5@h') controller.abort();
  }

  expect(seen.map((e) => e.callId)).toEqual([...before, ...after]);
  const ids = seen.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(cutter.connections).toEqual([ '0', String(ids[0]) ]);
});
