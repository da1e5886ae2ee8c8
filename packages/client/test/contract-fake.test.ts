// The fake is only as good as its checks: requests the contract rejects must be caught.
import { describe, expect, it } from 'vitest';
import { baseUrl, contractFake } from './support/contract-fake.js';

const auth = { authorization: 'Bearer t0ken' };

describe('the contract-checking fake', () => {
  const fake = () => contractFake(() => ({ status: 200, body: { offset: 0, limit: 1, total: 0, sessions: [] } }));

  it('accepts a request the contract allows', async () => {
    const f = fake();
    await f.fetch(new Request(`${baseUrl}/sbc/session?limit=1&live=true`, { headers: auth }));
    expect(f.violations).toEqual([]);
  });

  it('catches a query parameter out of range', async () => {
    const f = fake();
    await f.fetch(new Request(`${baseUrl}/sbc/session?limit=5000`, { headers: auth }));
    expect(f.violations).toHaveLength(1);
  });

  it('catches an unknown query parameter, and a parameter given twice', async () => {
    const f = fake();
    await f.fetch(new Request(`${baseUrl}/sbc/session?colour=red`, { headers: auth }));
    await f.fetch(new Request(`${baseUrl}/sbc/session?live=true&live=false`, { headers: auth }));
    expect(f.violations).toHaveLength(2);
  });

  it('catches a missing token', async () => {
    const f = fake();
    await f.fetch(new Request(`${baseUrl}/sbc/session`));
    expect(f.violations).toEqual([expect.stringContaining('no bearer token')]);
  });

  it('catches a body the contract rejects', async () => {
    const f = contractFake(() => ({ status: 200, body: { callId: 'a@b' } }));
    await f.fetch(new Request(`${baseUrl}/sbc/session/a%40b`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ started: 'yesterday' }) }));
    expect(f.violations).toHaveLength(1);
  });

  it('catches a path outside the contract', async () => {
    const f = fake();
    await f.fetch(new Request(`${baseUrl}/sbc/sessions`, { headers: auth }));
    expect(f.violations).toEqual([expect.stringContaining('no such operation')]);
  });

  it("catches its own reply when the contract does not document it", async () => {
    const f = contractFake(() => ({ status: 200, body: { sessions: 'none' } }));
    await f.fetch(new Request(`${baseUrl}/sbc/session`, { headers: auth }));
    expect(f.violations).toEqual([expect.stringContaining("the fake's own 200 reply")]);
  });
});
