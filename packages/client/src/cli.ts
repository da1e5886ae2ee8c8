// The `sbc` executable (bin/sbc.js imports this file): runs main() with the process's streams,
// environment and Ctrl-C.
import { main } from './cli/main.js';

const stop = new AbortController();
const watching = process.argv[2] === 'watch';
// `watch` ends cleanly on Ctrl-C or SIGTERM; a one-shot command has nothing to clean up.
process.once('SIGINT', () => (watching ? stop.abort() : process.exit(130)));
process.once('SIGTERM', () => (watching ? stop.abort() : process.exit(143)));
// `sbc list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: stop.signal,
});
