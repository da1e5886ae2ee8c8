// `pnpm start`: the server (apps/server), built if needed. A script of the root package.json
// (`start` is a pnpm command of its own), run with `exec` so that pnpm's signals reach this process.
import { join } from 'node:path';
import { buildQuietly, root, runCommand } from './launch.mjs';

buildQuietly('@sbc/server');
// Imported once built: the server's own flags (apps/server/src/node-flags.ts).
const { nodeFlags } = await import(new URL('../../apps/server/dist/node-flags.js', import.meta.url).href);
runCommand(join(root, 'apps', 'server', 'dist', 'main.js'), process.argv.slice(2), process.env['INIT_CWD'] ?? process.cwd(), nodeFlags);
