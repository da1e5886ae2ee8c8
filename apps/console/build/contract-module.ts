// What the console takes from the contract at build time, as the source of a virtual module
// (`virtual:contract`): the Session's fields with the descriptions the API reference shows. Read
// from @sbc/contract's bundle, never copied by hand.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface SchemaObject {
  $ref?: string;
  description?: string;
  title?: string;
  properties?: Record<string, SchemaObject>;
}

interface Bundle {
  components: { schemas: Record<string, SchemaObject> };
}

export interface ContractField {
  /** The property's name, as the reference's schema lists it. */
  name: string;
  /** Its description (the property's own, else that of the schema it refers to). */
  description: string;
}

export function readBundle(): Bundle {
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('@sbc/contract/openapi.json'), 'utf8')) as Bundle;
}

export function sessionFields(bundle: Bundle): ContractField[] {
  const { schemas } = bundle.components;
  const properties = schemas['Session']?.properties ?? {};
  return Object.entries(properties).map(([name, property]) => {
    const referenced = property.$ref ? schemas[property.$ref.replace('#/components/schemas/', '')] : undefined;
    return { name, description: (property.description ?? referenced?.description ?? '').trim() };
  });
}

export function contractModule(bundle: Bundle = readBundle()): string {
  return `export const sessionFields = ${JSON.stringify(sessionFields(bundle))};`;
}
