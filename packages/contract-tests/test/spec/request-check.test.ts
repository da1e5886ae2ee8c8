import { loadContract } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { checkRequest, type RequestVerdict } from '../../src/spec/request-check.js';
import type { WireRequest } from '../../src/spec/wire-request.js';

const contract = loadContract();
const bearer = { authorization: 'Bearer t' };
const get = (target: string, headers: Record<string, string> = bearer): WireRequest => ({ method: 'GET', target, headers });
const patch = (body: string | Buffer, contentType = 'application/json'): WireRequest => ({
  method: 'PATCH',
  target: '/sbc/session/c%40h',
  headers: { ...bearer, 'content-type': contentType },
  body: Buffer.from(body),
});
const judged = (verdict: RequestVerdict) => ({
  kind: verdict.kind,
  ...('operation' in verdict ? { operation: verdict.operation.operationId } : {}),
  ...('reason' in verdict ? { reason: verdict.reason } : {}),
});

describe('the contract judges a request', () => {
  it('finds the operation by method and path template', () => {
    expect(judged(checkRequest(contract, get('/sbc/session/abc@10.0.0.1')))).toEqual({ kind: 'valid', operation: 'getSession' });
    expect(checkRequest(contract, get('/sbc/sessions')).kind).toBe('no-such-path');
    expect(checkRequest(contract, { ...get('/sbc/session'), method: 'PUT' }).kind).toBe('method-not-allowed');
  });

  it('decodes a path parameter exactly once, and refuses what does not decode', () => {
    expect(checkRequest(contract, get('/sbc/session/a%2Fb%3Fc%25d')).kind).toBe('valid');
    expect(judged(checkRequest(contract, get('/sbc/session/%C0%AF')))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not a valid percent-encoding/) });
  });

  it('reads + in a query as a space, as a leading + of a number decodes', () => {
    expect(checkRequest(contract, get('/sbc/session?number=+4570')).kind).toBe('valid');
    expect(checkRequest(contract, get('/sbc/session?number=%2B4570')).kind).toBe('valid');
  });

  it('refuses unknown, repeated and out-of-range query parameters, but not the token', () => {
    expect(judged(checkRequest(contract, get('/sbc/session?page=2')))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/page/) });
    expect(judged(checkRequest(contract, get('/sbc/session?limit=1&limit=2')))).toMatchObject({ reason: expect.stringMatching(/more than once/) });
    expect(judged(checkRequest(contract, get('/sbc/session?limit=1001')))).toMatchObject({ reason: expect.stringMatching(/limit/) });
    expect(checkRequest(contract, get('/sbc/session?token=t', {})).kind).toBe('valid');
  });

  it('needs credentials for every operation but the probes', () => {
    expect(judged(checkRequest(contract, get('/sbc/session', {})))).toMatchObject({ reason: expect.stringMatching(/no credentials/) });
    expect(checkRequest(contract, get('/sbc/session', { 'x-api-key': 't' })).kind).toBe('valid');
    expect(checkRequest(contract, get('/healthz', {})).kind).toBe('valid');
  });

  it('checks a body: media type, UTF-8, JSON, then the schema', () => {
    expect(checkRequest(contract, patch('{"answered":"2026-01-01T00:00:00.000Z"}')).kind).toBe('valid');
    expect(checkRequest(contract, patch('{}', 'application/merge-patch+json')).kind).toBe('valid');
    expect(judged(checkRequest(contract, patch('{}', 'text/plain')))).toMatchObject({ reason: expect.stringMatching(/media type 'text\/plain'/) });
    expect(judged(checkRequest(contract, patch(Buffer.from([0x7b, 0xff, 0x7d]))))).toMatchObject({ reason: 'the body is not UTF-8' });
    expect(judged(checkRequest(contract, patch('{')))).toMatchObject({ reason: 'the body is not JSON' });
    expect(judged(checkRequest(contract, patch('{"answered":"yesterday"}')))).toMatchObject({ reason: expect.stringMatching(/^body: answered/) });
    expect(judged(checkRequest(contract, { ...patch(''), body: undefined }))).toMatchObject({ reason: 'the body is required' });
  });
});
