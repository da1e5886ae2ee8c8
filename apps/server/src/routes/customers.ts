import type { Customer, CustomerInput, CustomerList } from '@sbc/contract';
import type { Context } from 'koa';
import { customerNotFound, unprocessable } from '../errors.js';
import type { OperationInput } from '../operation.js';
import type { RouteDeps } from './deps.js';

export function customerRoutes({ store }: RouteDeps) {
  return {
    async putCustomer(ctx: Context, { path, body }: OperationInput) {
      const id = path['id'] as string;
      const input = body as CustomerInput;
      const problem = await store.checkParent(id, input.parentReseller);
      if (problem) throw unprocessable('parentReseller', problem);
      const customer: Customer = { id, name: input.name, ...(input.parentReseller ? { parentReseller: input.parentReseller } : {}), features: input.features ?? [] };
      const { created } = await store.putCustomer(customer);
      ctx.status = created ? 201 : 200;
      ctx.body = customer;
    },

    async getCustomer(ctx: Context, { path }: OperationInput) {
      const customer = await store.getCustomer(path['id'] as string);
      if (!customer) throw customerNotFound();
      ctx.body = customer;
    },

    async listCustomers(ctx: Context, { query }: OperationInput) {
      const offset = query['offset'] as number;
      const limit = query['limit'] as number;
      const page = await store.listCustomers(offset, limit);
      const body: CustomerList = { offset, limit, ...page };
      ctx.body = body;
    },
  };
}
