export { startServer } from './server.js';
export { nodeFlags } from './node-flags.js';
export type { RunningServer, ServerOptions } from './server.js';
export { openStore } from './store/open-store.js';
export { accessLevels, type AccessLevel } from '@sbc/contract';
export type { Scope, SessionFilter, SessionStore, TokenInput, TokenRecord } from './domain/session-store.js';
export { loadConfig, ConfigError } from './config.js';
export { StartError } from './start-failure.js';
export type { Config } from './config.js';
export { StoreUnavailableError } from './store/backend.js';

/** A schema of its own for a test on PostgreSQL; node-postgres loads on the first call, not with the server. */
export async function temporarySchema(...args: Parameters<typeof import('./store/postgres-store.js').temporarySchema>) {
  return (await import('./store/postgres-store.js')).temporarySchema(...args);
}
