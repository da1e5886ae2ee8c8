import { readFileSync } from 'node:fs';
import { openapiDocument } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { findBreakingChanges } from '../../src/breaking/index.js';

const baseline = JSON.parse(readFileSync(new URL('../../../../openapi/baseline/openapi.json', import.meta.url), 'utf8'));

describe('the released contract', () => {
  it('is not broken by the current contract', () => {
    const changes = findBreakingChanges(baseline, openapiDocument).map((c) => `${c.kind}: ${c.message} (${c.where})`);
    expect(
      changes,
      'The contract breaks clients of the released baseline. If that is deliberate, run ' +
        '`pnpm --filter @sbc/contract-tests baseline` and commit openapi/baseline/openapi.json with the change.',
    ).toEqual([]);
  });

  it('is caught when a documented status disappears from the current contract', () => {
    const current = structuredClone(openapiDocument);
    delete current.paths['/sbc/session/{id}']!.get!.responses['404'];
    expect(findBreakingChanges(baseline, current)).toContainEqual(
      expect.objectContaining({ kind: 'response-status-removed', where: 'GET /sbc/session/{id} 404' }),
    );
  });
});
