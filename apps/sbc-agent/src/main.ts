#!/usr/bin/env node
// sbc-agent: runs beside one Kamailio SBC node. Configuration from the environment (see README).
import { createSbcClient } from '@sbc/client';
import { startAgent } from './agent.js';
import { ConfigError, loadConfig } from './config.js';
import { kamailioRpc } from './kamailio-rpc.js';
import { createLogger } from './logger.js';

/** A configuration error: EX_CONFIG of sysexits.h, as the server uses. */
const exitBadConfig = 78;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`sbc-agent: ${error.message}\n`);
    process.exit(exitBadConfig);
  }
  const log = createLogger(config.logLevel);
  const api = createSbcClient({ baseUrl: config.apiUrl, token: config.apiToken });
  const agent = await startAgent(config, { api, rpc: kamailioRpc(config.rpcUrl), log });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    agent.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`sbc-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
