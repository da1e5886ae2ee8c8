// The event stream against the real server when its token is revoked while the stream is open:
// the server ends the stream, and the client's reconnection, refused, ends the iteration.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { started, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.server.close());

it('throws SbcApiError 401 invalid_token once the open stream\'s token is revoked, rather than reconnecting for ever', async () => {
  await t.client(t.sbc).reportSession('revoked-stream@h', { started });
  const { token, id } = await t.server.store.createToken({ level: 'ADMIN' });
  const seen: string[] = [];
  const watching = (async () => {
    // lastEventId 0: the call above is replayed, so the stream is open before the revocation.
    for await (const event of t.client(token).events({ lastEventId: 0, types: ['started'] })) {
      seen.push(event.callId);
      await t.server.store.revokeToken(id);
    }
  })();
  await expect(watching).rejects.toMatchObject({ name: 'SbcApiError', status: 401, token: 'invalid_token' });
  expect(seen).toEqual(['revoked-stream@h']);
});
