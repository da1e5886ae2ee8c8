// What every view of a signed-in console works with: the client, who is signed in, the live
// feed (kept while the views change, so that switching views loses nothing), customer names.
import type { SbcClient, SessionSummary } from '@sbc/client';
import { endCallLevels } from 'virtual:contract';
import type { LiveFeed } from './live/feed.js';

/** Who is signed in, as far as the console can tell. */
export interface Identity {
  level: string | undefined;
  name: string | undefined;
  customerId: string | undefined;
  customerName: string | undefined;
  expiresAt: string | undefined;
}

export interface Workspace {
  client: SbcClient;
  identity: Identity;
  feed: LiveFeed;
  /** The contract's `endCall` admits this level. */
  canEnd: boolean;
  customerName: (id: string) => string | undefined;
  /** Asks (with a confirmation) to end a call. */
  requestEnd: (call: SessionSummary) => void;
}

export const mayEndCalls = (level: string | undefined): boolean => level !== undefined && endCallLevels.includes(level);
