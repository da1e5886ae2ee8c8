// The first load's budget: the JavaScript and CSS that dist/index.html loads (its scripts, module
// preloads and stylesheets), gzipped, at most 300 KB. Run after every build; over budget fails it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const budgetBytes = 300 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const loaded = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
if (loaded.length === 0) fail('dist/index.html loads no script or stylesheet: the build is not what this check expects');

let total = 0;
for (const file of loaded) {
  if (/^(https?:)?\/\//.test(file)) fail(`dist/index.html loads ${file} from outside its origin`);
  // The page's URLs are the server's (/console/assets/...); the files are under dist/assets/.
  total += gzipSync(readFileSync(join(dist, file.replace(/^\/console\//, '')))).length;
}
const figure = `first load: ${(total / 1024).toFixed(1)} KB of JavaScript and CSS gzipped (${loaded.length} files), budget ${budgetBytes / 1024} KB`;
if (total > budgetBytes) fail(`Over budget: ${figure}`);
process.stdout.write(`@sbc/console ${figure}\n`);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
