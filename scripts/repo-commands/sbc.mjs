#!/usr/bin/env node
// `pnpm sbc <command>`: the client command line (packages/client), built if needed.
import { join } from 'node:path';
import { buildQuietly, root, runCommand } from './launch.mjs';

buildQuietly('@sbc/client');
runCommand(join(root, 'packages', 'client', 'dist', 'cli.js'), process.argv.slice(2), process.cwd());
