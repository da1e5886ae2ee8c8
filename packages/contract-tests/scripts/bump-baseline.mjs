// Makes the current contract the released baseline that the breaking-change check compares
// against. Run it only for a deliberate breaking change, and commit openapi/baseline/openapi.json
// in the same commit as the change, so that the review shows both.
import { copyFileSync } from 'node:fs';

const bundle = new URL('../../contract/generated/openapi.json', import.meta.url);
const baseline = new URL('../../../openapi/baseline/openapi.json', import.meta.url);
copyFileSync(bundle, baseline);
console.log('openapi/baseline/openapi.json is now the current contract.');
