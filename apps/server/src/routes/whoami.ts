import type { WhoAmI } from '@sbc/contract';
import type { Context } from 'koa';
import { mayCall } from '../auth.js';
import type { OperationInput } from '../contract-operation.js';
import type { RouteDeps } from './deps.js';

export function whoAmIRoutes({ store, contract }: RouteDeps) {
  return {
    async whoAmI(ctx: Context, { principal }: OperationInput<'whoAmI'>) {
      const { level, name, expiresAt, customerId, sbcServer } = principal;
      const customer = customerId === undefined ? undefined : await store.getCustomer(customerId);
      const operations = [...contract.operations.values()]
        .filter((op) => op.requiresToken && mayCall(principal, op.accessLevels))
        .map((op) => op.operationId)
        .sort();
      const body: WhoAmI = {
        level,
        ...(name !== undefined ? { name } : {}),
        ...(expiresAt !== undefined ? { expires: expiresAt.toISOString() } : {}),
        ...(customerId !== undefined
          ? { customer: customer ? { id: customer.id, name: customer.name, features: customer.features } : { id: customerId } }
          : {}),
        ...(sbcServer !== undefined ? { sbcServer } : {}),
        operations,
      };
      ctx.body = body;
    },
  };
}
