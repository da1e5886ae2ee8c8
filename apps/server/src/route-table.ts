import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { badRequest, methodNotAllowed, notFound } from './errors.js';

/** What serves one method of one path; `param` is the path's parameter, decoded, where its template ends in `{name}`. */
export type Serve = (ctx: Context, param: string | undefined) => Promise<void> | void;

interface PathRoutes {
  byMethod: Map<string, Serve>;
  /** In the order the methods were added, HEAD before each GET: the `Allow` of a 405. */
  allowed: string[];
  /** The router's pattern: `{name}` as `:name`, or as `{:name}` where nothing in its place (`/sbc/session/`) still reaches the route, which refuses it. */
  pattern: string;
  param: string | undefined;
}

/**
 * The paths the app serves, routed by @koa/router with one layer per path rather than one per
 * method and alias (the router tests every layer's pattern on every request): the layer picks
 * the method and answers 405 with `Allow` itself. Paths are case-sensitive and a trailing `/` is
 * significant, as in the contract; a GET also answers HEAD (Koa sends no body then).
 */
export class RouteTable {
  private readonly paths = new Map<string, PathRoutes>();

  add(template: string, method: string, serve: Serve, { emptyParam = false } = {}): void {
    let routes = this.paths.get(template);
    if (!routes) {
      const param = /\{([^}/]+)\}$/.exec(template)?.[1];
      const pattern = param !== undefined && emptyParam ? template.replace(/\{([^}/]+)\}$/, '{:$1}') : template.replace(/\{([^}/]+)\}/g, ':$1');
      routes = { byMethod: new Map(), allowed: [], pattern, param };
      this.paths.set(template, routes);
    }
    const upper = method.toUpperCase();
    routes.byMethod.set(upper, serve);
    if (upper === 'GET') {
      routes.byMethod.set('HEAD', serve);
      routes.allowed.push('HEAD');
    }
    routes.allowed.push(upper);
  }

  /** Serves a request by its route; 404 `not_found` for a path not served, 405 for a method the path does not have, 400 for a parameter that does not decode. */
  routes(): (ctx: Context) => Promise<void> | void {
    const router = new Router({ strict: true, sensitive: true });
    for (const { byMethod, allowed, pattern, param } of this.paths.values()) {
      router.all(pattern, (ctx) => {
        const serve = byMethod.get(ctx.method);
        if (serve === undefined) throw methodNotAllowed(ctx.method, allowed);
        return serve(ctx, param === undefined ? undefined : decodedParam(ctx, param));
      });
    }
    const dispatch = router.routes() as Middleware;
    // A path no layer matches, or a method the router does not know (it matches none then).
    const unmatched = (ctx: Context) => () => {
      const layer = router.match(ctx.path, ctx.method).path[0];
      const routes = layer && [...this.paths.values()].find((r) => r.pattern === layer.path);
      if (routes) throw methodNotAllowed(ctx.method, routes.allowed);
      throw notFound(`No such path: ${ctx.path}`);
    };
    return (ctx) => dispatch(ctx, unmatched(ctx)) as Promise<void>;
  }
}

/**
 * The path's parameter as the router decoded it. The router keeps a segment it cannot decode as
 * it came (its raw text is the last of `ctx.captures`, the one parameter's): such a path names
 * nothing. Told apart without decoding it again (2,200 instructions a lookup on the bench's
 * Call-IDs, callgrind): a segment with a `%` that decodes is never its own decoding.
 */
function decodedParam(ctx: Context, name: string): string | undefined {
  const { params, captures } = ctx as Context & { params: Record<string, string | undefined>; captures: string[] };
  const value = params[name];
  if (value !== undefined && value === captures.at(-1) && value.includes('%')) {
    throw badRequest('bad_request', 'The path is not valid percent-encoded UTF-8');
  }
  return value;
}
