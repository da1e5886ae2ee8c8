import { readFileSync } from 'node:fs';
import { loadContract, openapiDocument, type OpenApiDocument } from '@sbc/contract';
import { createSbcClient } from '@sbc/client';
import { describe, expect, it } from 'vitest';
import { findBreakingChanges } from '../../src/breaking/index.js';
import { startSpecServer } from '../../src/client/spec-server.js';
import { pairProblem } from '../../src/server/pair-check.js';
import { documentedPairs } from '../../src/spec/matrix.js';
import { useServer } from '../server/server-fixture.js';

const fixture = useServer({ reportCoverage: false });

/** The current contract with one deliberate mistake in it. */
function brokenDocument(mistake: (document: OpenApiDocument & { components: { schemas: Record<string, any> } }) => void): OpenApiDocument {
  const document = structuredClone(openapiDocument) as OpenApiDocument & { components: { schemas: Record<string, any> } };
  mistake(document);
  return document;
}

describe('the suite fails on a spec that', () => {
  it('documents an answer the server never gives (no scenario exercises it)', async () => {
    const contract = loadContract(brokenDocument((d) => (d.paths['/sbc/session/{id}']!.get!.responses['418'] = { $ref: '#/components/responses/BadRequest' } as never)));
    const teapot = documentedPairs(contract).find((p) => p.operationId === 'getSession' && p.status === '418')!;
    const { sut, world, coverage } = fixture;
    expect(await pairProblem({ contract, url: sut.url, world, store: sut.server.store, coverage }, teapot)).toMatch(/no scenario makes GET \/sbc\/session\/\{id\} answer 418/);
  });

  it("promises a field the server's answers do not have", async () => {
    const contract = loadContract(brokenDocument((d) => d.components.schemas['Session'].required.push('userAgent')));
    const { sut, world, coverage } = fixture;
    const getSession200 = documentedPairs(contract).find((p) => p.operationId === 'getSession' && p.status === '200')!;
    expect(await pairProblem({ contract, url: sut.url, world, store: sut.server.store, coverage }, getSession200)).toMatch(/userAgent is required/);
  });

  it('no longer has a parameter the client sends', async () => {
    const contract = loadContract(brokenDocument((d) => (d.paths['/sbc/session']!.get!.parameters = d.paths['/sbc/session']!.get!.parameters!.filter((p: any) => !String(p.$ref).endsWith('/Full')))));
    const spec = await startSpecServer(contract);
    try {
      await createSbcClient({ baseUrl: spec.url, token: 't', retries: 1 }).listSessions({ full: true }).catch(() => undefined);
      expect(spec.take().map(({ verdict }) => verdict.kind)).toEqual(['invalid']);
    } finally {
      await spec.close();
    }
  });

  it('breaks clients of the released baseline (a request enum narrowed)', () => {
    const baseline = JSON.parse(readFileSync(new URL('../../../../openapi/baseline/openapi.json', import.meta.url), 'utf8'));
    const current = brokenDocument((d) => (d.components.schemas['Direction'].enum = ['O']));
    expect(findBreakingChanges(baseline, current).map((c) => c.kind)).toContain('request-enum-narrowed');
  });
});
