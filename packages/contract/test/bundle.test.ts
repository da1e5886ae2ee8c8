import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openapiDocument } from '../src/index.js';

const componentFiles = readdirSync(new URL('../../../openapi/components/schemas/', import.meta.url)).map((file) => file.replace(/\.yaml$/, ''));

describe('the bundled document', () => {
  it('holds as schemas exactly the components of openapi/components/schemas, none named after a property', () => {
    expect(Object.keys(openapiDocument.components.schemas).sort()).toEqual(componentFiles.sort());
  });
});
