export { startServer } from './server.js';
export type { RunningServer, ServerOptions } from './server.js';
export { openStore } from './store/open-store.js';
export { accessLevels } from './domain/session-store.js';
export type { AccessLevel, Scope, SessionFilter, SessionStore, TokenInput, TokenRecord } from './domain/session-store.js';
export { loadConfig, ConfigError } from './config.js';
export { StartError } from './start-failure.js';
export type { Config } from './config.js';
