import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { sendByes, type ByeLeg } from '../src/sip-bye.js';

const leg: ByeLeg = {
  target: 'sip:callee@10.2.2.2',
  from: { uri: 'sip:+4581808888@10.1.1.1', tag: 'ft' },
  to: { uri: 'sip:+4580808080@10.0.0.5', tag: 'tt' },
  cseq: 2,
  routeSet: [],
};

let proxy: Socket;

/** A SIP proxy on 127.0.0.1 that answers the n-th copy of each request (0: never). */
async function proxyAnswering(onCopy: number, status = 200): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  proxy = createSocket('udp4');
  proxy.on('message', (data, from) => {
    const request = data.toString();
    received.push(request);
    const copies = received.filter((r) => r === request).length;
    if (copies !== onCopy) return;
    const via = /^Via: .*$/m.exec(request)![0];
    proxy.send(`SIP/2.0 ${status} Whatever\r\n${via}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
  });
  await new Promise<void>((resolve) => proxy.bind(0, '127.0.0.1', () => resolve()));
  return { port: proxy.address().port, received };
}

afterEach(() => proxy.close());

describe('BYEs sent through the SBC', () => {
  it('resends a BYE over UDP until it is answered, and gives its final status', async () => {
    const { port, received } = await proxyAnswering(2);
    expect(await sendByes({ proxy: { host: '127.0.0.1', port }, callId: 'c1', callerTag: 'ft', legs: [leg] })).toEqual([200]);
    expect(received).toHaveLength(2);
  });

  it('reports 408 for a side that never answers', async () => {
    const silent = await proxyAnswering(0);
    expect(await sendByes({ proxy: { host: '127.0.0.1', port: silent.port }, callId: 'c1', callerTag: 'ft', legs: [leg], timeoutMs: 700 })).toEqual([408]);
  });

  it('reports the answer of a side that no longer knows the call (481)', async () => {
    const gone = await proxyAnswering(1, 481);
    expect(await sendByes({ proxy: { host: '127.0.0.1', port: gone.port }, callId: 'c1', callerTag: 'ft', legs: [leg] })).toEqual([481]);
  });
});
