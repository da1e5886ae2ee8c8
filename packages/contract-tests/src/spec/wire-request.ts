/** A request as it goes over the wire: the request-target is sent byte for byte, however odd it is. */
export interface WireRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/sbc/session/a%40b?full=true`. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A request made by a generator, with the operation it aims at and, if it is malformed on purpose, how. */
export interface GeneratedRequest extends WireRequest {
  operationId: string;
  malformation?: string;
}

export function splitTarget(target: string): { path: string; query: string | undefined } {
  const at = target.indexOf('?');
  return at === -1 ? { path: target, query: undefined } : { path: target.slice(0, at), query: target.slice(at + 1) };
}
