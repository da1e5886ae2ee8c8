import { openapiDocument } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { exchange } from '../../src/server/exchange.js';
import { useServer } from './server-fixture.js';

const fixture = useServer();

describe('the server describes itself', () => {
  it('serves at /openapi.json the very contract these tests check it against', async () => {
    const { contract, sut, coverage } = fixture;
    const result = await exchange(contract, sut.url, { method: 'GET', target: '/openapi.json', headers: {} }, coverage, 'scenario');
    expect(JSON.parse(result.response.body.toString('utf8'))).toEqual(openapiDocument);
  });
});
