/**
 * The node flags the server runs with, however it is started: `pnpm start`, the package's own
 * start script and the systemd unit's ExecStart (test/node-flags.test.ts keeps those in step)
 * and the benchmark's product process. V8 reads them only when the process starts.
 *
 * Under the ingest and event fan-out load V8 grows the young generation to 2 x 16 MiB and keeps
 * it committed while the load lasts; 8 MiB semi-spaces hold it to 16 MiB.
 *
 * After each full collection V8 lets the old generation grow to up to 4 times what survived it
 * before the next, by how fast it collects against how fast the server allocates: under the
 * event fan-out about 30 MB survive and the old generation swung between 40 and 90 MB. A fixed
 * 20 % (at this heap size the floor of 8 MB over what survived decides) holds it to about 35 MB.
 */
export const nodeFlags: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=20'];
