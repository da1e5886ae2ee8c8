import fc from 'fast-check';
import { loadContract } from '@sbc/contract';
import { createSbcClient, type SbcClient } from '@sbc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientInputs } from '../../src/client/client-inputs.js';
import { startSpecServer, type SpecServer } from '../../src/client/spec-server.js';

const contract = loadContract();
const inputs = clientInputs(contract);
const seed = 20261126;
let spec: SpecServer;
let client: SbcClient;
/** Operations the client was seen calling, for the last test. */
const called = new Set<string>();

beforeAll(async () => {
  spec = await startSpecServer(contract);
  client = createSbcClient({ baseUrl: spec.url, token: 'a-token', retries: 1 });
});
afterAll(() => spec?.close());

/** Calls the client with generated arguments; every request it sends must be one the contract accepts, for the expected operation. */
async function eachRequestIsValid<T>(operationId: string, args: fc.Arbitrary<T>, call: (args: T) => Promise<unknown>, numRuns = 40) {
  await fc.assert(
    fc.asyncProperty(args, async (value) => {
      spec.take();
      await call(value);
      const seen = spec.take();
      expect(seen.length).toBeGreaterThan(0);
      for (const { verdict } of seen) if ('operation' in verdict) called.add(verdict.operation.operationId);
      for (const { request, verdict } of seen) {
        const reason = verdict.kind === 'valid' ? '' : verdict.reason;
        expect({ kind: verdict.kind, reason, operation: 'operation' in verdict ? verdict.operation.operationId : undefined }, `${request.method} ${request.target}`).toEqual({
          kind: 'valid',
          reason: '',
          operation: operationId,
        });
      }
    }),
    { numRuns, seed },
  );
}

type ListQuery = Parameters<SbcClient['listSessions']>[0];
type EventsQuery = Parameters<SbcClient['events']>[0];

describe('every request the client sends is one the contract accepts', () => {
  it('getSession encodes any Call-ID in the path exactly once', () =>
    eachRequestIsValid('getSession', inputs.callId, (id) => client.getSession(id)));

  it('endCall encodes any Call-ID in the path exactly once', () => eachRequestIsValid('endCall', inputs.callId, (id) => client.endCall(id)));

  it('listSessions serialises every combination of filters', () =>
    eachRequestIsValid('listSessions', inputs.query<ListQuery>('listSessions'), (query) => client.listSessions(query)));

  it('listAllSessions pages with documented offsets and limits', () =>
    eachRequestIsValid('listSessions', inputs.query<ListQuery>('listSessions'), async (query) => {
      const { offset: _offset, ...filters } = query ?? {};
      let taken = 0;
      for await (const _session of client.listAllSessions(filters)) if (++taken >= 3) break;
    }, 15));

  it('reportSession sends a SessionReport as the body', () =>
    eachRequestIsValid('reportSession', fc.tuple(inputs.callId, inputs.report), ([id, report]) => client.reportSession(id, report)));

  it('reportBatch sends an IngestRequest', () =>
    eachRequestIsValid('ingestSessions', inputs.ingestReports, (reports) => client.reportBatch(reports as never)));

  it('getCustomer, putCustomer and listCustomers send what the contract describes', async () => {
    await eachRequestIsValid('getCustomer', inputs.customerId, (id) => client.getCustomer(id));
    await eachRequestIsValid('putCustomer', fc.tuple(inputs.customerId, inputs.customer), ([id, customer]) => client.putCustomer(id, customer));
    await eachRequestIsValid('listCustomers', inputs.query<Parameters<SbcClient['listCustomers']>[0]>('listCustomers'), (query) => client.listCustomers(query));
  });

  it('whoAmI and trafficStats send what the contract describes', async () => {
    await eachRequestIsValid('whoAmI', fc.constant(undefined), () => client.whoAmI(), 1);
    await eachRequestIsValid('getTrafficStats', inputs.query<Parameters<SbcClient['trafficStats']>[0]>('getTrafficStats'), (query) => client.trafficStats(query));
  });

  it('events asks for the stream with documented filters and Last-Event-ID', () =>
    eachRequestIsValid(
      'streamEvents',
      fc.tuple(inputs.query<EventsQuery>('streamEvents'), fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: undefined })),
      async ([query, lastEventId]) => {
        const stop = new AbortController();
        for await (const _event of client.events({ ...query, ...(lastEventId ? { lastEventId } : {}), signal: stop.signal })) {
          stop.abort();
        }
      },
      20,
    ));

  it('leaves no operation that needs a token without a client method (checked last)', () => {
    const needed = [...contract.operations.values()].filter((op) => op.requiresToken).map((op) => op.operationId);
    expect(needed.filter((id) => !called.has(id))).toEqual([]);
  });
});
