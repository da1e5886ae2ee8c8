// Hanging up a confirmed call by sending a BYE to each side through the SBC, as if the other
// side had hung up. Kamailio 5.6's dlg.end_dlg sends both BYEs itself but skips the second one
// when the answer to the first arrives in between (kamailio/kamailio#4268), leaving the callee
// connected; BYEs that pass through the proxy like any other are not exposed to that race.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** One side to hang up: where its BYE goes and the dialog identifiers it must carry. */
export interface ByeLeg {
  /** The side's Contact: the BYE's Request-URI. */
  target: string;
  /** The other side, in whose name the BYE is sent. */
  from: { uri: string; tag: string };
  to: { uri: string; tag: string };
  /** Above the last CSeq the other side used in this dialog. */
  cseq: number;
  /** Record-routes beyond the SBC towards this side, as `<uri>` entries. */
  routeSet: string[];
}

export interface ByeOptions {
  /** The SBC's SIP address: BYEs are sent to it and route through it (its Record-Route). */
  proxy: { host: string; port: number };
  callId: string;
  /** The caller's From tag, as the SBC's Record-Route carries it (`ftag`). */
  callerTag: string;
  legs: ByeLeg[];
  /** Give up waiting for an answer after this long (SIP timer F is 32 s; a hang-up needs less). */
  timeoutMs?: number;
}

/** Sends the BYEs (retransmitting over UDP until answered) and resolves with each final status, 408 if none came. */
export async function sendByes(options: ByeOptions): Promise<number[]> {
  const socket = createSocket(options.proxy.host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(options.proxy.port, options.proxy.host, () => resolve());
  });
  try {
    return await Promise.all(options.legs.map((leg) => transaction(socket, options, leg)));
  } finally {
    socket.close();
  }
}

function transaction(socket: Socket, options: ByeOptions, leg: ByeLeg): Promise<number> {
  const branch = `z9hG4bK-sbc-agent-${randomBytes(8).toString('hex')}`;
  const local = socket.address();
  const host = local.family === 'IPv6' ? `[${local.address}]` : local.address;
  const proxy = options.proxy.host.includes(':') ? `[${options.proxy.host}]` : options.proxy.host;
  const route = [`<sip:${proxy}:${options.proxy.port};lr;ftag=${options.callerTag}>`, ...leg.routeSet].join(', ');
  const message = [
    `BYE ${leg.target} SIP/2.0`,
    `Via: SIP/2.0/UDP ${host}:${local.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `Route: ${route}`,
    `From: <${leg.from.uri}>;tag=${leg.from.tag}`,
    `To: <${leg.to.uri}>;tag=${leg.to.tag}`,
    `Call-ID: ${options.callId}`,
    `CSeq: ${leg.cseq} BYE`,
    'Reason: SIP;cause=200;text="Call ended through the SBC session API"',
    'User-Agent: sbc-agent',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = (status: number) => {
      timers.forEach(clearTimeout);
      socket.off('message', onMessage);
      resolve(status);
    };
    const onMessage = (data: Buffer) => {
      const text = data.toString('latin1');
      const status = /^SIP\/2\.0 ([0-9]{3}) /.exec(text);
      if (status && text.includes(branch) && Number(status[1]) >= 200) finish(Number(status[1]));
    };
    socket.on('message', onMessage);
    // UDP retransmissions (timer E: 500 ms doubling), then give up.
    const timeoutMs = options.timeoutMs ?? 4000;
    for (let at = 0, interval = 500; at < timeoutMs; at += interval, interval = Math.min(interval * 2, 4000)) {
      timers.push(setTimeout(() => socket.send(message), at));
    }
    timers.push(setTimeout(() => finish(408), timeoutMs));
  });
}
