import { describe, expect, it } from 'vitest';
import { contractModule, readBundle, sessionFields } from '../build/contract-module.js';

describe('the contract as the console reads it at build time', () => {
  const bundle = readBundle();

  it('lists every property of Session, in the contract\'s order', () => {
    const properties = Object.keys((bundle.components.schemas['Session']?.properties ?? {}));
    expect(sessionFields(bundle).map((field) => field.name)).toEqual(properties);
    expect(properties).toContain('callId');
  });

  it('describes every field, from the property or else from the schema it refers to', () => {
    for (const field of sessionFields(bundle)) expect(field.description, field.name).not.toBe('');
    expect(sessionFields(bundle).find((field) => field.name === 'direction')?.description).toBe(bundle.components.schemas['Direction']?.description?.trim());
  });

  it('becomes a module that exports the fields', () => {
    expect(contractModule(bundle)).toBe(`export const sessionFields = ${JSON.stringify(sessionFields(bundle))};`);
  });
});
