import { afterEach, describe, expect, it } from 'vitest';
import { fuzzOne } from '../../src/fuzz/fuzz-server.js';
import { send } from '../../src/http/send.js';
import { authProblem } from '../../src/server/auth-expectations.js';
import { exchange } from '../../src/server/exchange.js';
import { isolationChecks } from '../../src/server/isolation-checks.js';
import { pairProblem } from '../../src/server/pair-check.js';
import { acceptedRequest } from '../../src/server/scenarios.js';
import { jsonRequest, sbcNodes, sessions } from '../../src/server/world.js';
import { documentedPairs, type DocumentedPair } from '../../src/spec/matrix.js';
import type { WireResponse } from '../../src/spec/response-check.js';
import type { GeneratedRequest, WireRequest } from '../../src/spec/wire-request.js';
import { startBrokenServer, type Breakage, type BrokenServer } from '../../src/testing/breaking-proxy.js';
import { useServer } from '../server/server-fixture.js';

const fixture = useServer({ reportCoverage: false });
let broken: BrokenServer | undefined;
afterEach(async () => {
  await broken?.close();
  broken = undefined;
});

async function brokenUrl(breakage: Breakage): Promise<string> {
  broken = await startBrokenServer(fixture.sut.url, breakage);
  return broken.url;
}

function pair(operationId: string, status: string): DocumentedPair {
  const found = documentedPairs(fixture.contract).find((p) => p.operationId === operationId && p.status === status);
  if (!found) throw new Error(`${operationId} ${status} is not documented`);
  return found;
}

async function pairProblemOn(breakage: Breakage, operationId: string, status: string) {
  const { contract, world, sut, coverage } = fixture;
  return pairProblem({ contract, url: await brokenUrl(breakage), world, store: sut.server.store, coverage }, pair(operationId, status));
}

const json = (response: WireResponse) => JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
const withJson = (response: WireResponse, body: unknown): WireResponse => ({ ...response, body: Buffer.from(JSON.stringify(body)) });
const swapToken = (from: string, to: string) => (request: WireRequest): WireRequest => ({
  ...request,
  headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, v.replace(from, to)])),
  target: request.target.replace(encodeURIComponent(from), encodeURIComponent(to)),
});

describe('the documented-answer check fails on a server that', () => {
  it('answers a status the operation does not document', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => (r.status === 404 ? { ...r, status: 418 } : r) }, 'getSession', '404');
    expect(problem).toMatch(/expected 404/);
  });

  it('never gives a documented status (readiness never says 503)', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => (r.status === 503 ? withJson({ ...r, status: 200 }, { status: 'ready' }) : r) }, 'getReadiness', '503');
    expect(problem).toMatch(/expected 503/);
  });

  it('sends an undocumented media type', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => ({ ...r, headers: { ...r.headers, 'content-type': 'text/html' } }) }, 'getSession', '200');
    expect(problem).toMatch(/does not document media type 'text\/html'/);
  });

  it('leaves a required field out of a body', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => withJson(r, { ...json(r), callId: undefined }) }, 'getSession', '200');
    expect(problem).toMatch(/callId is required/);
  });

  it('adds a field the schema does not have', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => withJson(r, { ...json(r), internalCost: 12 }) }, 'listSessions', '200');
    expect(problem).toMatch(/internalCost is not a known property/);
  });

  it('leaves out a header the contract lists for the answer', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => ({ ...r, headers: { ...r.headers, 'x-request-id': undefined } }) }, 'listCustomers', '200');
    expect(problem).toMatch(/lacks the documented header X-Request-Id/);
  });

  it('sends an Error body that contradicts the status', async () => {
    const problem = await pairProblemOn({ response: (_q, r) => withJson(r, { ...json(r), status: 400 }) }, 'getSession', '404');
    expect(problem).toMatch(/says status 400 on a 404/);
  });

  it('streams an event that is not an Event', async () => {
    const breakage: Breakage = { stream: (text) => text.replace(/"type":"started"/g, '"type":"transferred"') };
    expect(await pairProblemOn(breakage, 'streamEvents', '200')).toMatch(/is not an Event/);
  });

  it('names a streamed event other than by its type', async () => {
    const breakage: Breakage = { stream: (text) => text.replace(/event: started/g, 'event: message') };
    expect(await pairProblemOn(breakage, 'streamEvents', '200')).toMatch(/sent as 'message' but its type is started/);
  });
});

describe('the auth matrix fails on a server that', () => {
  async function authProblemOn(breakage: Breakage, operationId: string, caller: Parameters<typeof authProblem>[1]) {
    const { contract, world, coverage } = fixture;
    const url = await brokenUrl(breakage);
    const result = await exchange(contract, url, world.as(caller, acceptedRequest(operationId)), coverage, 'auth');
    return authProblem(contract.operation(operationId), caller, result);
  }

  it('lets a level in that the operation does not allow', async () => {
    const { tokens } = fixture.world;
    expect(await authProblemOn({ request: swapToken(tokens.VIEWER, tokens.ADMIN) }, 'getSession', 'VIEWER')).toMatch(/expected 403 access_denied, got 200/);
  });

  it('accepts an expired token', async () => {
    const { tokens } = fixture.world;
    expect(await authProblemOn({ request: swapToken(tokens['expired token'], tokens.ADMIN) }, 'listSessions', 'expired token')).toMatch(/expected 401 expired/);
  });

  it('gives the wrong message token for a revoked one', async () => {
    const breakage: Breakage = { response: (_q, r) => (r.status === 401 ? withJson(r, { ...json(r), message: 'credentials_invalid' }) : r) };
    expect(await authProblemOn(breakage, 'endCall', 'revoked token')).toMatch(/expected 401 invalid_token, got 401 credentials_invalid/);
  });

  it('refuses a level the operation allows', async () => {
    const { tokens } = fixture.world;
    expect(await authProblemOn({ request: swapToken(tokens.SBC, tokens.VIEWER) }, 'ingestSessions', 'SBC')).toMatch(/expected neither 401 nor 403, got 403/);
  });
});

describe("the isolation checks fail on a server that shows reseller A reseller B's calls", () => {
  it.each(Object.entries(isolationChecks))('%s', async (_name, check) => {
    const { contract, world, coverage } = fixture;
    // The bug: reseller A's token is treated as an administrator's.
    const url = await brokenUrl({ request: swapToken(world.tokens['RESELLER_ADMIN of A'], world.tokens.ADMIN) });
    expect(await check({ contract, url, world, coverage })).toMatch(/B's|of others/);
  });
});

describe('the fuzz property fails on a server that', () => {
  const refused = (request: Omit<GeneratedRequest, 'operationId'>, operationId: string): GeneratedRequest => ({
    ...fixture.world.as('ADMIN', request),
    operationId,
    malformation: 'test of the test',
  });
  const invalidJson = () => refused({ ...jsonRequest('POST', '/sbc/ingest', {}), body: Buffer.from('{"sessions": [') }, 'ingestSessions');

  async function fuzzOneOn(breakage: Breakage, request: GeneratedRequest, timeoutMs = 2000) {
    const { contract, world, coverage } = fixture;
    const url = await brokenUrl(breakage);
    const context = { contract, credentials: {}, knownIds: {} };
    return fuzzOne({ contract, url, coverage, context, snapshot: () => world.snapshot() }, request, timeoutMs);
  }

  it('answers malformed input with a 5xx', async () => {
    const breakage: Breakage = { response: (_q, r) => (r.status === 400 ? withJson({ ...r, status: 500 }, { status: 500, message: 'internal_error', description: 'boom' }) : r) };
    expect(await fuzzOneOn(breakage, invalidJson())).toMatch(/^a 500/);
  });

  it('never answers', async () => {
    await expect(fuzzOneOn({ response: () => 'hang' }, invalidJson(), 300)).rejects.toThrow(/no complete answer within 300 ms/);
  });

  it('changes stored data on a request it refuses', async () => {
    const { world, sut } = fixture;
    const breakage: Breakage = {
      async response(_q, r) {
        const write = jsonRequest('POST', '/sbc/ingest', { sessions: [{ callId: `side-effect-${Date.now()}@10.0.0.1`, sbcServer: sbcNodes.a }] });
        await send(sut.url, world.as('ADMIN', write));
        return r;
      },
    };
    expect(await fuzzOneOn(breakage, invalidJson())).toMatch(/changed stored data/);
  });

  it('accepts a request the contract refuses', async () => {
    const request = refused({ method: 'GET', target: '/sbc/session?limit=0', headers: {} }, 'listSessions');
    const breakage: Breakage = { request: (q) => ({ ...q, target: q.target.replace('limit=0', 'limit=1') }) };
    expect(await fuzzOneOn(breakage, request)).toMatch(/the contract refuses this request .* but the server answered 200/);
  });

  it('answers an unknown path with something else than not_found', async () => {
    const request = refused({ method: 'GET', target: `/sbc/sessions/${encodeURIComponent(sessions.liveOfA)}`, headers: {} }, 'getSession');
    const breakage: Breakage = { request: (q) => ({ ...q, target: q.target.replace('/sbc/sessions/', '/sbc/session/') }) };
    expect(await fuzzOneOn(breakage, request)).toMatch(/expected 404, got 200/);
  });
});
