#!/usr/bin/env node
// `pnpm admin <command>`: the server's admin command line (apps/server), built if needed.
import { join } from 'node:path';
import { buildQuietly, root, runCommand } from './launch.mjs';

buildQuietly('@sbc/server');
runCommand(join(root, 'apps', 'server', 'dist', 'admin.js'), process.argv.slice(2), process.cwd());
