// Kamailio's JSON-RPC over HTTP (jsonrpcs + xhttp): ending a call, and reading the events kept
// for a reconnecting agent.
import { parseDialogEvent, type DialogEvent } from './dialog-event.js';

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

/** The dialog as `dlg.dlg_list` describes it (the fields used here). */
interface DialogInfo {
  h_entry: number;
  h_id: number;
  state: number;
  caller?: { tag?: string; cseq?: string };
  callee?: { tag?: string };
}

/** Dialog states of Kamailio's dialog module: 1 unconfirmed, 2 early, 3 answered (no ACK), 4 confirmed. */
const confirmed = 4;

export type EndCallOutcome =
  /** BYEs sent to both sides of a confirmed call. */
  | 'bye'
  /** A call still ringing was answered 487 towards the caller. */
  | 'cancelled'
  /** Kamailio holds no live dialog with this Call-ID (it ended, or never passed here). */
  | 'not-found';

/**
 * Ends the call with this Call-ID: `dlg.end_dlg` for a confirmed dialog; for one not yet
 * answered, the dialog module cannot send BYEs, so the INVITE is answered with 487 (which ends
 * the call for the caller and makes the proxy cancel the callee's branch).
 */
export async function endCall(rpc: KamailioRpc, callId: string): Promise<EndCallOutcome> {
  let dialog: DialogInfo;
  try {
    dialog = (await rpc.call('dlg.dlg_list', [callId])) as DialogInfo;
  } catch (error) {
    if (error instanceof KamailioRpcError) return 'not-found';
    throw error;
  }
  if (!dialog || typeof dialog.h_entry !== 'number') return 'not-found';
  if (dialog.state === confirmed) {
    await rpc.call('dlg.end_dlg', [dialog.h_entry, dialog.h_id]);
    return 'bye';
  }
  if (dialog.state > confirmed) return 'not-found';
  // tm.reply_callid finds the INVITE transaction by Call-ID and CSeq number.
  await rpc.call('tm.reply_callid', [487, 'Request Terminated', callId, dialog.caller?.cseq ?? '1', dialog.callee?.tag || `sbc-agent-${Date.now()}`, '.']);
  return 'cancelled';
}

/** The htable (see RECOVERY_TABLE in kamailio.cfg) where Kamailio keeps a copy of each recent event. */
const recoveryTable = 'sbcev';
const eventOrder = { start: 0, answer: 1, end: 2 } as const;

/**
 * The dialog events Kamailio kept for a reconnecting agent, oldest first (a call's start before
 * its answer before its end when they share a timestamp).
 */
export async function keptEvents(rpc: KamailioRpc): Promise<DialogEvent[]> {
  const slots = (await rpc.call('htable.dump', [recoveryTable])) as { slot?: { value?: unknown }[] }[] | undefined;
  const events = (slots ?? [])
    .flatMap((slot) => slot.slot ?? [])
    .map((entry) => (typeof entry.value === 'string' ? parseDialogEvent(entry.value) : undefined))
    .filter((event): event is DialogEvent => event !== undefined);
  return events.sort((a, b) => Number(a.time) - Number(b.time) || eventOrder[a.event] - eventOrder[b.event]);
}
