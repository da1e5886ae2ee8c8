// Regenerates the committed artefacts of the contract from openapi/: the bundled document
// (generated/openapi.json) and its TypeScript types (generated/openapi.d.ts).
// With --check it writes nothing and fails when a committed file is stale, so a spec edit
// without `pnpm generate` cannot pass CI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(pkg, '..', '..');
const bin = (name) => join(pkg, 'node_modules', '.bin', name);
const check = process.argv.includes('--check');
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

function run(command, args, cwd = root) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.exit(result.status ?? 1);
  }
}

const outDir = check ? mkdtempSync(join(tmpdir(), 'sbc-contract-')) : join(pkg, 'generated');
mkdirSync(outDir, { recursive: true });
const bundle = join(outDir, 'openapi.json');
const types = join(outDir, 'openapi.d.ts');

run(bin('redocly'), ['bundle', 'openapi/openapi.yaml', '--config', 'redocly.yaml', '--ext', 'json', '-o', bundle]);
// Pretty-print with a trailing newline so diffs of the bundle read well in review.
writeFileSync(bundle, JSON.stringify(JSON.parse(readFileSync(bundle, 'utf8')), null, 2) + '\n');
run(bin('openapi-typescript'), [bundle, '--output', types, '--root-types', '--root-types-no-schema-prefix', '--alphabetize'], pkg);
// (openapi-typescript runs from the package: at the root it would take redocly.yaml's `apis` instead of its arguments.)

if (check) {
  const stale = ['openapi.json', 'openapi.d.ts'].filter((file) => {
    const committed = join(pkg, 'generated', file);
    return !existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(join(outDir, file), 'utf8');
  });
  if (stale.length > 0) {
    console.error(`Stale generated contract files: ${stale.join(', ')}. Run \`pnpm generate\` and commit the result.`);
    process.exit(1);
  }
  console.log('Generated contract files are up to date.');
}
