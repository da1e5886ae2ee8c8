/**
 * The node flags the server runs with, however it is started: `pnpm start`, the package's own
 * start script and the systemd unit's ExecStart (test/node-flags.test.ts keeps those in step)
 * and the benchmark's product process. V8 reads them only when the process starts.
 *
 * Under the ingest and event fan-out load V8 grows the young generation to 2 x 16 MiB and keeps
 * it committed while the load lasts; 4 MiB semi-spaces hold it to 8 MiB. A scavenge costs what
 * survives it, not the space's size: at 4 MiB there are 1.7 times as many under that load, and
 * the collector's time was the same as at 8 MiB (docs/benchmarks.md, "Fourteenth pass").
 */
export const nodeFlags: readonly string[] = ['--max-semi-space-size=4'];
