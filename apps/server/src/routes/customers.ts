import type { Customer, CustomerList } from '@sbc/contract';
import type { Context } from 'koa';
import { customerNotFound, unprocessable } from '../errors.js';
import type { OperationInput, WithDefaults } from '../contract-operation.js';
import type { RouteDeps } from './deps.js';

export function customerRoutes({ store }: RouteDeps) {
  return {
    async putCustomer(ctx: Context, { path: { id }, body: input }: OperationInput<'putCustomer'>) {
      const customer: Customer = { id, name: input.name, ...(input.parentReseller ? { parentReseller: input.parentReseller } : {}), features: input.features ?? [] };
      const written = await store.putCustomer(customer);
      if ('refused' in written) throw unprocessable('parentReseller', written.refused);
      ctx.status = written.created ? 201 : 200;
      ctx.body = written.customer;
    },

    async getCustomer(ctx: Context, { path }: OperationInput<'getCustomer'>) {
      const customer = await store.getCustomer(path.id);
      if (!customer) throw customerNotFound();
      ctx.body = customer;
    },

    async listCustomers(ctx: Context, { query }: OperationInput<'listCustomers'>) {
      const { offset, limit } = query as WithDefaults<typeof query, 'offset' | 'limit'>;
      const page = await store.listCustomers(offset, limit);
      const body: CustomerList = { offset, limit, ...page };
      ctx.body = body;
    },
  };
}
