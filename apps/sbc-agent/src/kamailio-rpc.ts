// Kamailio's JSON-RPC over HTTP (jsonrpcs + xhttp): ending a call.
import { sendByes } from './sip-bye.js';

export class KamailioRpcError extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = 'KamailioRpcError';
  }
}

export interface KamailioRpc {
  call(method: string, params?: unknown[]): Promise<unknown>;
}

export function kamailioRpc(url: string, timeoutMs = 5000): KamailioRpc {
  let id = 0;
  return {
    async call(method, params = []) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id: ++id }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json()) as { result?: unknown; error?: { message?: string } };
      if (body.error) throw new KamailioRpcError(method, body.error.message ?? 'error');
      return body.result;
    },
  };
}

/** One side of a dialog as `dlg.dlg_list` describes it. */
interface DialogSide {
  tag?: string;
  contact?: string;
  cseq?: string;
  route_set?: string;
}

/** The dialog as `dlg.dlg_list` describes it (the fields used here). */
interface DialogInfo {
  h_entry?: number;
  state?: number;
  from_uri?: string;
  to_uri?: string;
  caller?: DialogSide;
  callee?: DialogSide;
}

/** Dialog states of Kamailio's dialog module: 1 unconfirmed, 2 early, 3 answered (no ACK), 4 confirmed, 5 ended. */
const answeredStates = new Set([3, 4]);
const ended = 5;

export type EndCallOutcome =
  /** BYEs sent to both sides of an answered call. */
  | 'bye'
  /** A call still ringing was answered 487 towards the caller (and its callee branch cancelled). */
  | 'cancelled'
  /** Kamailio holds no live dialog with this Call-ID (it ended, or never passed here). */
  | 'not-found';

export interface KamailioControl {
  rpc: KamailioRpc;
  /** Kamailio's SIP address, through which the BYEs are routed. */
  sip: { host: string; port: number };
}

/**
 * Ends the call with this Call-ID. An answered call gets a BYE on each side, routed through the
 * SBC; one still ringing cannot be hung up with a BYE, so its INVITE is answered 487, which ends
 * it for the caller and makes the proxy cancel the callee's branch.
 */
export async function endCall(kamailio: KamailioControl, callId: string): Promise<{ outcome: EndCallOutcome; answers?: number[] }> {
  let dialog: DialogInfo;
  try {
    dialog = (await kamailio.rpc.call('dlg.dlg_list', [callId])) ?? {};
  } catch (error) {
    if (error instanceof KamailioRpcError) return { outcome: 'not-found' };
    throw error;
  }
  const { caller, callee, state } = dialog;
  if (typeof dialog.h_entry !== 'number' || state === undefined || state >= ended || !caller?.tag) return { outcome: 'not-found' };
  if (answeredStates.has(state) && callee?.tag && caller.contact && callee.contact && dialog.from_uri && dialog.to_uri) {
    const callerParty = { uri: dialog.from_uri, tag: caller.tag };
    const calleeParty = { uri: dialog.to_uri, tag: callee.tag };
    const answers = await sendByes({
      proxy: kamailio.sip,
      callId,
      callerTag: caller.tag,
      legs: [
        { target: callee.contact, from: callerParty, to: calleeParty, cseq: Number(caller.cseq ?? 1) + 1, routeSet: routes(callee.route_set) },
        { target: caller.contact, from: calleeParty, to: callerParty, cseq: Number(callee.cseq ?? 0) + 1, routeSet: routes(caller.route_set) },
      ],
    });
    // A side answering 481 or not at all has already let go of the call: it is over either way.
    return { outcome: 'bye', answers };
  }
  // tm.reply_callid finds the INVITE transaction by Call-ID and CSeq number.
  await kamailio.rpc.call('tm.reply_callid', [487, 'Request Terminated', callId, caller.cseq ?? '1', callee?.tag || `sbc-agent-${Date.now()}`, '.']);
  return { outcome: 'cancelled' };
}

function routes(routeSet: string | undefined): string[] {
  return routeSet?.match(/<[^>]*>/g) ?? [];
}
