import type { Contract } from '@sbc/contract';
import { send, type SendOptions } from '../http/send.js';
import type { CoverageRecorder, Source } from '../report/coverage.js';
import { checkRequest, type RequestVerdict } from '../spec/request-check.js';
import { responseProblem, type WireResponse } from '../spec/response-check.js';
import type { WireRequest } from '../spec/wire-request.js';

export interface Exchange {
  verdict: RequestVerdict;
  response: WireResponse;
  /** What the contract does not document about the answer; undefined when it documents all of it. */
  problem: string | undefined;
}

/** Sends a request to the server, judges the answer by the contract, and counts it for the coverage table. */
export async function exchange(
  contract: Contract,
  url: string,
  request: WireRequest,
  coverage: CoverageRecorder,
  source: Source,
  options?: SendOptions,
): Promise<Exchange> {
  const verdict = checkRequest(contract, request);
  const response = await send(url, request, options);
  const operationId = verdict.kind === 'valid' || verdict.kind === 'invalid' ? verdict.operation.operationId : undefined;
  coverage.record(operationId, response.status, source);
  return { verdict, response, problem: responseProblem(contract, verdict, response) };
}

/** A short account of an exchange for a failure message. */
export function describeExchange(request: WireRequest, result: Exchange): string {
  const body = result.response.body.toString('utf8').slice(0, 300);
  return `${request.method} ${request.target.slice(0, 200)} -> ${result.response.status} ${body}${result.problem ? `\n  problem: ${result.problem}` : ''}`;
}
