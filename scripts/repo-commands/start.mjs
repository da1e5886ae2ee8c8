// `pnpm start`: the server (apps/server), built if needed. A script of the root package.json
// (`start` is a pnpm command of its own), run with `exec` so that pnpm's signals reach this process.
import { join } from 'node:path';
import { buildQuietly, root, runCommand } from './launch.mjs';

buildQuietly('@sbc/server');
runCommand(join(root, 'apps', 'server', 'dist', 'main.js'), process.argv.slice(2), process.env['INIT_CWD'] ?? process.cwd());
