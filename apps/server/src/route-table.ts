import type { Context } from 'koa';
import { methodNotAllowed, notFound } from './errors.js';

/** What serves one method of one path; `param` is the path's last segment where its template ends in `{name}`, as sent (not decoded). */
export type Serve = (ctx: Context, param: string | undefined) => Promise<void> | void;

interface PathRoutes {
  byMethod: Map<string, Serve>;
  /** In the order the methods were added, HEAD before each GET: the `Allow` of a 405. */
  allowed: string[];
  /** A request with nothing in the place of the parameter (`/sbc/session/`) still reaches the route, which refuses it. */
  emptyParam: boolean;
}

/**
 * The paths the app serves, found by one map lookup rather than by testing a pattern per route:
 * a literal path by its text, a path that ends in a parameter (`/sbc/session/{id}`) by the text
 * up to its last `/`. Paths are case-sensitive and a trailing `/` is significant, as in the
 * contract; a GET also answers HEAD (Koa sends no body then).
 */
export class RouteTable {
  private readonly literal = new Map<string, PathRoutes>();
  private readonly beforeParam = new Map<string, PathRoutes>();

  /** `template` is literal, or ends in one `{name}` segment; `emptyParam` lets `/prefix/` reach the route too. */
  add(template: string, method: string, serve: Serve, { emptyParam = false } = {}): void {
    const param = /^(.*\/)\{[^}/]+\}$/.exec(template);
    if (!param && template.includes('{')) throw new Error(`Only a last path segment may be a parameter: ${template}`);
    const table = param ? this.beforeParam : this.literal;
    const key = param ? param[1]! : template;
    let routes = table.get(key);
    if (!routes) {
      routes = { byMethod: new Map(), allowed: [], emptyParam };
      table.set(key, routes);
    }
    const upper = method.toUpperCase();
    routes.byMethod.set(upper, serve);
    if (upper === 'GET') {
      routes.byMethod.set('HEAD', serve);
      routes.allowed.push('HEAD');
    }
    routes.allowed.push(upper);
  }

  /** Serves the request by its route; 404 `not_found` for a path not served, 405 for a method the path does not have. */
  serve(ctx: Context): Promise<void> | void {
    const path = ctx.path;
    let routes = this.literal.get(path);
    let param: string | undefined;
    if (routes === undefined) {
      const slash = path.lastIndexOf('/');
      routes = this.beforeParam.get(path.slice(0, slash + 1));
      param = path.slice(slash + 1);
      if (routes !== undefined && param === '' && !routes.emptyParam) routes = undefined;
    }
    if (routes === undefined) throw notFound(`No such path: ${path}`);
    const serve = routes.byMethod.get(ctx.method);
    if (serve === undefined) throw methodNotAllowed(ctx.method, routes.allowed);
    return serve(ctx, param || undefined);
  }
}
