import type { WhoAmI } from '@sbc/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { bearer, call, contract, ids, resellerTrees, startTestServer } from './helpers.js';

let server: RunningServer;

async function whoAmI(input: Parameters<RunningServer['store']['createToken']>[0]): Promise<WhoAmI> {
  const { token } = await server.store.createToken(input);
  const answer = await call<WhoAmI>(server, 'whoAmI', '/sbc/whoami', { headers: bearer(token) });
  expect(answer.status).toBe(200);
  return answer.body;
}

beforeAll(async () => {
  server = await startTestServer();
  await resellerTrees(server);
});
afterAll(() => server.close());

describe('GET /sbc/whoami', () => {
  it("tells an ADMIN token its level, name and expiry, and every operation that takes a token", async () => {
    const expiresAt = new Date('2030-01-01T00:00:00.000Z');
    const body = await whoAmI({ level: 'ADMIN', name: 'NOC wall', expiresAt });
    const everyOperation = [...contract.operations.values()]
      .filter((op) => op.requiresToken)
      .map((op) => op.operationId)
      .sort();
    expect(body).toEqual({ level: 'ADMIN', name: 'NOC wall', expires: '2030-01-01T00:00:00.000Z', operations: everyOperation });
  });

  it("tells a reseller administrator its customer's id, name and features, and that it may list and end calls", async () => {
    const body = await whoAmI({ level: 'RESELLER_ADMIN', customerId: ids.resellerA.toLowerCase() });
    expect(body.customer).toEqual({ id: ids.resellerA, name: 'Reseller A', features: ['TELE'] });
    expect(body.operations).toEqual(['endCall', 'getSession', 'getTrafficStats', 'listSessions', 'streamEvents', 'whoAmI']);
  });

  it('tells a reseller administrator whose customer lacks TELE that it may only ask who it is', async () => {
    const body = await whoAmI({ level: 'RESELLER_ADMIN', customerId: ids.plain });
    expect(body.operations).toEqual(['whoAmI']);
  });

  it('tells an SBC machine token its node, and that it has no customer', async () => {
    const body = await whoAmI({ level: 'SBC', sbcServer: '10.0.0.7', name: 'sbc 7' });
    expect(body).toMatchObject({ level: 'SBC', sbcServer: '10.0.0.7', name: 'sbc 7' });
    expect(body.customer).toBeUndefined();
    expect(body.operations).toEqual(['ingestSessions', 'reportSession', 'streamEvents', 'whoAmI']);
  });

  it('names only the id of a customer the store does not know', async () => {
    const body = await whoAmI({ level: 'VIEWER', customerId: '0000000000000000000000DD' });
    expect(body.customer).toEqual({ id: '0000000000000000000000DD' });
  });
});
