import { describe, it } from 'vitest';
import { fuzzServer } from '../../src/fuzz/fuzz-server.js';
import { customers, sessions } from '../../src/server/world.js';
import { useServer } from '../server/server-fixture.js';

const fixture = useServer();
/** `pnpm fuzz` sets these for the long run; `pnpm test` runs the bounded one with a fixed seed. */
const runs = Number(process.env['SBC_FUZZ_RUNS'] ?? 2000);
const seed = Number(process.env['SBC_FUZZ_SEED'] ?? 20261126);

/**
 * Malformations the per-operation check cannot judge yet. They are left
 * out of the run, and the run says so; delete an entry to check a fix.
 */
const awaitingServerFix: Record<string, string> = {
  'query string longer than the server reads (over 16 KiB)':
    'the server answers 431 headers_too_large with an Error body, which the contract documents for every request in its ' +
    'description only, not per operation, so the per-operation check cannot judge it (apps/server/test/unparsable-requests.test.ts does)',
};

describe('fuzzing the server with requests generated from the contract', () => {
  const leftOut = Object.keys(awaitingServerFix);
  it(`gives ${runs} generated requests (seed ${seed}) a documented answer, never a 5xx or a hang, and refused ones change nothing`, { timeout: 60_000 + runs * 100 }, async () => {
    const { contract, sut, world, coverage } = fixture;
    for (const [name, defect] of Object.entries(awaitingServerFix)) console.warn(`fuzz: left out until the server is fixed: ${name}: ${defect}`);
    await fuzzServer(
      {
        contract,
        url: sut.url,
        coverage,
        snapshot: () => world.snapshot(),
        otherCredentials: [
          {},
          ...(['RESELLER_ADMIN of A', 'RESELLER_ADMIN of B', 'SBC', 'VIEWER', 'expired token', 'revoked token'] as const).map((caller) => ({
            authorization: `Bearer ${world.tokens[caller]}`,
          })),
        ],
        context: {
          contract,
          credentials: { authorization: `Bearer ${world.tokens.ADMIN}` },
          knownIds: { CallId: [sessions.liveOfA, sessions.liveOfB, sessions.endedOfA], HexId: [customers.resellerA, customers.customerB1] },
          leftOut,
        },
      },
      { runs, seed, timeoutMs: 5000 },
    );
  });
});
