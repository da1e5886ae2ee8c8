// What every view of a signed-in console works with: the client, who is signed in, the live
// feed (kept while the views change, so that switching views loses nothing), customer names.
import type { SbcClient, SessionSummary, WhoAmI } from '@sbc/client';
import type { LiveFeed } from './live/feed.js';

export interface Workspace {
  client: SbcClient;
  /** Who is signed in and what the token may do. */
  identity: WhoAmI;
  feed: LiveFeed;
  /** The token may end calls (`endCall` is among its operations). */
  canEnd: boolean;
  customerName: (id: string) => string | undefined;
  /** Asks (with a confirmation) to end a call. */
  requestEnd: (call: SessionSummary) => void;
}
