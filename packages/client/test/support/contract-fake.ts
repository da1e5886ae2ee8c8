// A fake SBC API for unit tests: a fetch function that checks every request against the contract
// (path, query, headers, body, token) and answers with what the test's handler says. Requests
// the spec would reject are recorded in `violations`; the fake's own JSON replies are checked
// against the documented responses too, so a test cannot pass on an answer the server may not give.
import { loadContract, type OperationContract } from '@sbc/contract';

const contract = loadContract();

export interface FakeRequest {
  operationId: string;
  /** Path parameters, percent-decoded once. */
  path: Record<string, string>;
  /** The raw (still encoded) path as sent. */
  rawPath: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
  signal: AbortSignal;
}

/** A JSON reply, or a whole Response (event streams, foreign bodies). */
export type FakeReply = { status: number; body?: unknown; headers?: Record<string, string> } | Response;

export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface ContractFake {
  fetch: (request: Request) => Promise<Response>;
  requests: FakeRequest[];
  violations: string[];
}

export const baseUrl = 'http://sbc.test';

export function contractFake(handler: FakeHandler): ContractFake {
  const requests: FakeRequest[] = [];
  const violations: string[] = [];

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method.toLowerCase();
    const match = findOperation(method, url.pathname);
    const where = `${request.method} ${url.pathname}${url.search}`;
    if (!match) {
      violations.push(`${where}: no such operation in the contract`);
      return new Response('not in the contract', { status: 404 });
    }
    const { operation, path } = match;
    const fail = (text: string) => violations.push(`${where}: ${text}`);

    check(operation.parseParameters('path', path), fail);
    check(operation.parseParameters('query', queryRecord(url.searchParams)), fail);
    check(operation.parseParameters('header', Object.fromEntries(request.headers)), fail);
    if (operation.requiresToken && !/^Bearer \S+$/.test(request.headers.get('authorization') ?? '')) {
      fail('no bearer token');
    }
    const text = await request.text();
    let body: unknown;
    if (operation.requestMediaTypes.length > 0) {
      const mediaType = request.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
      try {
        body = JSON.parse(text);
        const issue = operation.validateBody(mediaType, body);
        if (issue) fail(`body: ${issue.description}`);
      } catch {
        fail(`body is not JSON: ${text}`);
      }
    } else if (text) {
      fail('a body on an operation that takes none');
    }

    const fakeRequest: FakeRequest = {
      operationId: operation.operationId,
      path,
      rawPath: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body,
      signal: request.signal,
    };
    requests.push(fakeRequest);
    const reply = await handler(fakeRequest);
    if (reply instanceof Response) return reply;
    const issue = operation.validateResponse(reply.status, 'application/json', reply.body);
    if (issue) violations.push(`the fake's own ${reply.status} reply to ${where}: ${issue.description}`);
    return Response.json(reply.body, { status: reply.status, headers: reply.headers ?? {} });
  }

  return { fetch, requests, violations };
}

function findOperation(method: string, rawPath: string): { operation: OperationContract; path: Record<string, string> } | undefined {
  for (const operation of contract.operations.values()) {
    if (operation.method !== method) continue;
    const names: string[] = [];
    const pattern = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = new RegExp(`^${pattern}$`).exec(rawPath);
    if (!found) continue;
    // The server decodes a path segment exactly once; so does the fake.
    const path = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
    return { operation, path };
  }
  return undefined;
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    record[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return record;
}

function check(result: { value: unknown } | { issue: { description: string } }, fail: (text: string) => void): void {
  if ('issue' in result) fail(result.issue.description);
}

/** An event stream that sends `messages` (already SSE-formatted) and then closes (a drop) or stays open. */
export function eventStreamReply(messages: string[], then: 'close' | 'stay-open', signal?: AbortSignal): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const message of messages) controller.enqueue(encoder.encode(message));
      if (then === 'close') controller.close();
      else signal?.addEventListener('abort', () => controller.error(new Error('aborted')), { once: true });
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** One SSE message carrying an event, formatted as the server sends it. */
export function sseMessage(event: { id: number; type: string }): string {
  const data = JSON.stringify(event);
  const issue = contract.schema('Event')(event);
  if (issue) throw new Error(`a test event the contract rejects: ${issue.description}`);
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n`;
}
