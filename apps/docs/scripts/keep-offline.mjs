// Redoc's sidebar shows an "API docs by Redocly" logo fetched from Redocly's CDN, and has no
// option to leave it out. The published reference must make no request outside its own origin:
// the logo's address becomes an empty data: URL, which the logo component hides on its load error.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'dist/index.html';
const html = readFileSync(file, 'utf8');
writeFileSync(file, html.replace(/https:\/\/cdn\.redoc\.ly\/[^`'"\s)]*/g, 'data:,'));
