import { describe, expect, it } from 'vitest';
import { customersBelow, parentProblem, scopeIncludes } from '../src/domain/customer-tree.js';

// R is a reseller with customer C; C resells to D. X stands alone.
const parents = new Map<string, string | undefined>([
  ['R', undefined],
  ['C', 'R'],
  ['D', 'C'],
  ['X', undefined],
]);

describe('the customer tree', () => {
  it("puts a customer in a reseller's scope at any depth below it", () => {
    expect(scopeIncludes({ all: false, resellerId: 'R' }, parents, 'D')).toBe(true);
  });

  it("leaves a customer of another tree out of a reseller's scope", () => {
    expect(scopeIncludes({ all: false, resellerId: 'C' }, parents, 'X', 'R')).toBe(false);
  });

  it('lists a reseller and every customer below it, nearest first', () => {
    expect(customersBelow(parents, 'R')).toEqual(['R', 'C', 'D']);
  });

  it('refuses a parent that is not a customer', () => {
    expect(parentProblem('X', 'Q', parents)).toEqual({ unknown: 'Q' });
  });

  it('refuses a parent that would make a customer its own reseller', () => {
    expect(parentProblem('R', 'D', parents)).toEqual({ loopsThrough: 'R' });
  });

  it('accepts a parent that exists and leads up to no loop', () => {
    expect(parentProblem('X', 'D', parents)).toBeUndefined();
  });
});
