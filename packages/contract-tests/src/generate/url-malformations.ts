import fc from 'fast-check';
import { splitTarget } from '../spec/wire-request.js';
import {
  firstScalarQueryParameter,
  hasHeaderParameter,
  hasPathParameter,
  hasQueryParameter,
  textQueryParameters,
  withPathSegment,
  withQuery,
  withQueryValue,
  type Malformation,
} from './malformation.js';
import { refusesMalformedInput } from './request-context.js';

const badPercentEncodings = ['%', '%zz', '%2', 'a%G1', '%C0%AF', '%FF%FE', '%ED%A0%80', 'call%E2%82'];

const controlCharacters = ['%00', '%01', '%0A', '%0D%0A', '%1B', '%7F'];

/** A query parameter whose value is a run of digits this many characters long. */
function longQuery(min: number, max: number): Malformation['spoil'] {
  return (_c, op, valid) => fc.integer({ min, max }).map((n) => withQueryValue(valid, firstScalarQueryParameter(op), '9'.repeat(n)));
}

/** Spoilt request lines: path, method, query and header parameters. */
export const urlMalformations: readonly Malformation[] = [
  {
    name: 'bad percent-encoding in the path (non-UTF-8 bytes)',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constantFrom(...badPercentEncodings).map((segment) => withPathSegment(op, valid, segment)),
  },
  {
    name: 'empty path parameter',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constant(withPathSegment(op, valid, '')),
  },
  {
    name: 'huge path parameter',
    refused: true,
    appliesTo: (op) => hasPathParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.integer({ min: 256, max: 4000 }).map((n) => withPathSegment(op, valid, 'x'.repeat(n))),
  },
  {
    name: 'path traversal',
    refused: false,
    appliesTo: () => true,
    spoil: (_c, op, valid) => {
      const inSegment = fc
        .constantFrom('..%2F..%2Fetc%2Fpasswd', '%2e%2e', '..', '.', '..%5C..%5Cwindows', '%2F', '..;', '%252e%252e%252f')
        .map((segment) => withPathSegment(op, valid, segment));
      const outOfPath = fc
        .constantFrom('/../etc/passwd', '/..', '/x/../../customer', '/.%2e/', '//', '/')
        .map((suffix) => ({ ...valid, target: `${op.path.split('{')[0]!.replace(/\/$/, '')}${suffix}` }));
      return hasPathParameter(op) ? fc.oneof(inSegment, outOfPath) : outOfPath;
    },
  },
  {
    name: 'undocumented method',
    refused: true,
    appliesTo: () => true,
    spoil: (context, op, valid) => {
      const documented = [...context.contract.operations.values()].filter((o) => o.path === op.path).map((o) => o.method.toUpperCase());
      const others = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'].filter((m) => !documented.includes(m));
      return others.length === 0 ? fc.constant(valid) : fc.constantFrom(...others).map((method) => ({ ...valid, method }));
    },
  },
  {
    name: 'query parameter of the wrong type',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) =>
      fc
        .tuple(
          fc.constantFrom(...op.parameters.filter((p) => p.in === 'query').map((p) => p.name)),
          fc.constantFrom('ten', '1.5', '-1', '99999999999999999999', 'maybe', 'X', '', 'nope,,', '%00', '[]', '{}', 'true%00'),
        )
        .map(([name, value]) => withQueryValue(valid, name, value)),
  },
  {
    name: 'unknown query parameter',
    refused: true,
    appliesTo: (op) => refusesMalformedInput(op) && op.requiresToken,
    spoil: (_c, _op, valid) => fc.constantFrom('frobnicate=1', 'limit_=5', 'LIMIT=5', '%00=1', 'a[b]=c').map((extra) => withQuery(valid, extra)),
  },
  {
    name: 'repeated query parameter',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => fc.constant(withQueryValue(valid, firstScalarQueryParameter(op), '1', '2')),
  },
  {
    name: 'very long query string',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: longQuery(2000, 12_000),
  },
  {
    name: 'query string longer than the server reads (over 16 KiB)',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: longQuery(17_000, 64_000),
  },
  {
    name: 'path in another letter case',
    refused: true,
    appliesTo: () => true,
    spoil: (_c, _op, valid) => {
      const { path, query } = splitTarget(valid.target);
      return fc.constant({ ...valid, target: path.toUpperCase() + (query === undefined ? '' : `?${query}`) });
    },
  },
  {
    name: 'control characters in the query',
    refused: true,
    // (Numbers and booleans are coerced the JavaScript way, which trims white space: `limit=1%0A` is 1.)
    appliesTo: (op, context) => textQueryParameters(op, context).length > 0 && refusesMalformedInput(op),
    spoil: (context, op, valid) =>
      fc
        .tuple(fc.constantFrom(...textQueryParameters(op, context)), fc.constantFrom(...controlCharacters))
        .map(([name, control]) => withQueryValue(valid, name, `1${control}`)),
  },
  {
    name: 'bad percent-encoding in the query',
    refused: true,
    appliesTo: (op) => hasQueryParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) =>
      fc
        .tuple(fc.constantFrom(...op.parameters.filter((p) => p.in === 'query').map((p) => p.name)), fc.constantFrom(...badPercentEncodings))
        .map(([name, bad]) => withQueryValue(valid, name, bad)),
  },
  {
    name: 'malformed header parameter',
    refused: true,
    appliesTo: (op) => hasHeaderParameter(op) && refusesMalformedInput(op),
    spoil: (_c, op, valid) => {
      const name = op.parameters.find((p) => p.in === 'header')!.name;
      return fc.constantFrom('abc', '-1', '1'.repeat(40), '', ' 1 2').map((value) => ({ ...valid, headers: { ...valid.headers, [name]: value } }));
    },
  },
];
