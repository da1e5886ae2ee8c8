// The customer tree: each customer names its parent reseller. Who may see a session, which
// customers a reseller's lists read, and which parents a customer may have are all walks of it.
import type { CustomerParents, Scope } from './session-store.js';

/** Whether one of these customers is in the scope: walks up from each through the customer parents. */
export function scopeIncludes(scope: Scope, parents: CustomerParents, ...customerIds: Array<string | null | undefined>): boolean {
  if (scope.all) return true;
  for (const start of customerIds) {
    const seen = new Set<string>();
    for (let id: string | null | undefined = start; id != null && !seen.has(id); id = parents.get(id)) {
      if (id === scope.resellerId) return true;
      seen.add(id);
    }
  }
  return false;
}

/** The reseller and every customer below it, at any depth, nearest first. */
export function customersBelow(parents: CustomerParents, resellerId: string): string[] {
  const children = new Map<string, string[]>();
  for (const [id, parent] of parents) if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), id]);
  const found = [resellerId];
  const seen = new Set(found);
  for (let i = 0; i < found.length; i++) {
    for (const child of children.get(found[i]!) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        found.push(child);
      }
    }
  }
  return found;
}

/** Why a customer cannot have this parent: an ancestor that is not a customer, or a chain that comes back. */
export type ParentProblem = { unknown: string } | { loopsThrough: string };

/**
 * Walks up from the parent proposed for `id` through `parents` (the stored tree, with any
 * customers about to be written laid over it): every ancestor must exist and none may be met twice.
 */
export function parentProblem(id: string, parent: string | undefined, parents: CustomerParents): ParentProblem | undefined {
  const seen = new Set([id]);
  for (let ancestor = parent; ancestor !== undefined; ancestor = parents.get(ancestor)) {
    if (seen.has(ancestor)) return { loopsThrough: ancestor };
    if (!parents.has(ancestor)) return { unknown: ancestor };
    seen.add(ancestor);
  }
  return undefined;
}
