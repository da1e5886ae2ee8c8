// A parser for the text/event-stream format (the WHATWG "server-sent events" rules), fed with
// decoded text as it arrives. Written here so that the client needs no EventSource: it must send
// an Authorization header, which EventSource cannot.

export interface SseMessage {
  /** The last `id:` seen on the stream, as the spec's "last event ID buffer". */
  id: string | undefined;
  /** The `event:` field; `message` when absent. */
  event: string;
  data: string;
}

export class SseParser {
  /** The server's reconnection time (`retry:` field), if it sent one. */
  retryMs: number | undefined;
  private lastEventId: string | undefined;
  private pending = '';
  private data: string[] = [];
  private event = '';

  /** Parses one chunk; returns the messages it completes. */
  push(chunk: string): SseMessage[] {
    this.pending += chunk;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const end = this.lineEnd(start);
      if (end === undefined) break;
      const message = this.line(this.pending.slice(start, end.at));
      if (message) messages.push(message);
      start = end.next;
    }
    this.pending = this.pending.slice(start);
    return messages;
  }

  private lineEnd(from: number): { at: number; next: number } | undefined {
    for (let i = from; i < this.pending.length; i++) {
      const c = this.pending[i];
      if (c === '\n') return { at: i, next: i + 1 };
      if (c === '\r') {
        // A CR at the end of the chunk may be the first half of a CRLF: wait for more.
        if (i + 1 === this.pending.length) return undefined;
        return { at: i, next: this.pending[i + 1] === '\n' ? i + 2 : i + 1 };
      }
    }
    return undefined;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const data = this.data;
    const event = this.event;
    this.data = [];
    this.event = '';
    if (data.length === 0) return undefined;
    return { id: this.lastEventId, event: event || 'message', data: data.join('\n') };
  }
}
