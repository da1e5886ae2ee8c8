import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  body: string;
}

const headEnd = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection that sends a request and waits for its whole answer before
 * the next, as an SBC node's connection to the session API does. The ingest load generator runs
 * on the same two cores as the server it measures, so its own CPU is taken from the server:
 * node:http's client (agent, request and response objects, header checks) cost 150 to 220 µs per
 * PATCH, a quarter of the server's. This writes the request as one string and reads the answer
 * with the little HTTP it needs (a status, a Content-Length or chunked body, Connection: close).
 */
export class HttpConnection {
  private socket: Socket | undefined;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private waiting: { resolve(answer: Answer): void; reject(error: Error): void } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 60_000,
  ) {}

  request(method: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.open().write(`${head}\r\n${body}`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    if (this.socket) return this.socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.setTimeout(this.timeoutMs, () => socket.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // A socket this connection has already let go of (closed after an answer) fails nothing.
    const lost = (error: Error) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.fail(error);
    };
    socket.on('error', lost);
    socket.on('close', () => lost(new Error('the server closed the connection')));
    this.socket = socket;
    this.received = [];
    this.receivedBytes = 0;
    return socket;
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.received = [];
    this.receivedBytes = 0;
    waiting?.reject(error);
  }

  private receive(chunk: Buffer): void {
    this.received.push(chunk);
    this.receivedBytes += chunk.length;
    const data = this.received.length === 1 ? chunk : Buffer.concat(this.received, this.receivedBytes);
    this.received = [data];
    const answer = parseAnswer(data);
    if (answer === 'incomplete') return;
    this.received = [];
    this.receivedBytes = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (answer instanceof Error || !waiting) {
      this.close();
      waiting?.reject(answer instanceof Error ? answer : new Error('an answer to no request'));
      return;
    }
    if (answer.close) this.close();
    waiting.resolve({ status: answer.status, body: answer.body });
  }
}

/** One whole answer at the start of `data`, or 'incomplete' until all of it has arrived. */
function parseAnswer(data: Buffer): { status: number; body: string; close: boolean } | 'incomplete' | Error {
  const end = data.indexOf(headEnd);
  if (end === -1) return 'incomplete';
  const head = data.toString('latin1', 0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status) return new Error(`not an HTTP answer: ${head.slice(0, 80)}`);
  const close = /\r\nconnection: *close/i.test(head);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  const bodyStart = end + headEnd.length;
  if (length) {
    const bodyEnd = bodyStart + Number(length[1]);
    if (data.length < bodyEnd) return 'incomplete';
    if (data.length > bodyEnd) return new Error('more bytes than the answer announced');
    return { status: Number(status[1]), body: data.toString('utf8', bodyStart, bodyEnd), close };
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head)) return new Error('an answer with neither Content-Length nor chunked body');
  const parts: Buffer[] = [];
  for (let at = bodyStart; ; ) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd === -1) return 'incomplete';
    const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) return new Error('a chunk without its size');
    const chunkEnd = lineEnd + 2 + size;
    if (data.length < chunkEnd + 2) return 'incomplete';
    if (size === 0) return { status: Number(status[1]), body: Buffer.concat(parts).toString('utf8'), close };
    parts.push(data.subarray(lineEnd + 2, chunkEnd));
    at = chunkEnd + 2;
  }
}
