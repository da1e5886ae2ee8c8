/**
 * The node flags the server runs with, however it is started: `pnpm start`, the package's own
 * start script and the systemd unit's ExecStart (test/node-flags.test.ts keeps those in step)
 * and the benchmark's product process. V8 reads them only when the process starts.
 *
 * Under the ingest and event fan-out load V8 grows the young generation to 2 x 16 MiB and keeps
 * it committed while the load lasts; 8 MiB semi-spaces hold it to 16 MiB.
 */
export const nodeFlags: readonly string[] = ['--max-semi-space-size=8'];
