import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { Contract, OperationContract } from '@sbc/contract';
import { valueArbitrary } from '../generate/values.js';
import { readRequest } from '../http/read-request.js';
import { isRecord, resolve, type Json } from '../spec/json-schema.js';
import { checkRequest, type RequestVerdict } from '../spec/request-check.js';
import type { WireRequest } from '../spec/wire-request.js';

/** A request the fake server received, and what the contract says of it. */
export interface SeenRequest {
  request: WireRequest;
  verdict: RequestVerdict;
}

export interface SpecServer {
  url: string;
  /** Every request received since the last `take()`. */
  take(): SeenRequest[];
  close(): Promise<void>;
}

/**
 * A fake of the API that knows nothing but the contract: it judges every request by the spec,
 * and answers a valid one with the operation's success status and a body generated from its
 * schema (an event stream: a few generated Events), a refused one with a 400 Error.
 */
export async function startSpecServer(contract: Contract, seed = 1): Promise<SpecServer> {
  let seen: SeenRequest[] = [];
  let draws = 0;
  const server: Server = createServer((incoming, outgoing) => {
    void readRequest(incoming).then((request) => {
      const verdict = checkRequest(contract, request);
      seen.push({ request, verdict });
      if (verdict.kind !== 'valid') {
        outgoing.writeHead(400, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ status: 400, message: 'bad_request', description: `contract: ${verdict.reason}` }));
        return;
      }
      const { status, mediaType, body } = successFor(contract, verdict.operation, seed + draws++);
      outgoing.writeHead(status, { 'content-type': mediaType, 'x-request-id': 'spec-server' });
      outgoing.end(body);
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    take() {
      const taken = seen;
      seen = [];
      return taken;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

/** The operation's first documented 2xx, with a body drawn from its schema. */
function successFor(contract: Contract, op: OperationContract, seed: number): { status: number; mediaType: string; body: string } {
  const document = contract.document as unknown as Json;
  const status = op.responseStatuses.find((s) => s.startsWith('2'))!;
  const response = resolve(document, contract.document.paths[op.path]?.[op.method]?.responses[status]);
  const content = isRecord(response) && isRecord(response['content']) ? response['content'] : {};
  const [mediaType, media] = Object.entries(content)[0] ?? ['application/json', {}];
  const schema = isRecord(media) ? media['schema'] : undefined;
  const draw = (node: unknown) => fc.sample(valueArbitrary(document, node), { numRuns: 1, seed })[0];
  if (mediaType === 'text/event-stream') {
    const events = fc.sample(valueArbitrary(document, { $ref: '#/components/schemas/Event' }), { numRuns: 3, seed }) as Array<{ id: number; type: string }>;
    return { status: Number(status), mediaType, body: events.map((e) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('') };
  }
  const value = draw(schema);
  return { status: Number(status), mediaType, body: mediaType === 'application/json' ? JSON.stringify(value) : String(value) };
}
