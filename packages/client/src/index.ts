// @sbc/client: the typed client of the SBC session API. Runs in Node 20+ and in browsers:
// nothing imported from here may use a Node-only module.
export { createSbcClient } from './client.js';
export type { SbcClient, SbcClientOptions } from './client.js';
export type { EventsOptions } from './events.js';
export type { RetryOptions } from './retry.js';
export { SbcApiError, SbcNetworkError, SbcTimeoutError } from './errors.js';
export type * from './types.js';
