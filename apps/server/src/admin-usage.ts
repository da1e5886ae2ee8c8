// Reading the admin command line: node:util parseArgs, with errors worded for a person.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line or in its input: one line, the command's usage, exit code 2. */
export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;
/** The values of parsed options: a string, or true for a flag; absent when not given. */
export type Values<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** Parses `args` strictly; `positionals` names the arguments the command needs, in order, and `required` the options it needs. */
export function parseCommandLine<O extends Options>(
  args: string[],
  options: O,
  positionals: readonly string[],
  required: readonly (keyof O & string)[] = [],
): { values: Values<O>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }));
  }
  const given = parsed.positionals;
  if (given.length < positionals.length) throw new UsageError(`missing <${positionals[given.length]}>`);
  if (given.length > positionals.length) throw new UsageError(`unexpected argument: ${given.slice(positionals.length).join(' ')}`);
  const values = parsed.values as Values<O>;
  for (const name of required) if (values[name] === undefined) throw new UsageError(`missing --${name}`);
  return { values, positionals: given };
}

// Node's own messages quote unevenly and suggest `--` tricks; say what is wrong instead.
function describeParseError(error: Error & { code?: string }): string {
  const option = /'(-[^' ,]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trimEnd();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message) ? `${option ?? 'an option'} needs a value` : `${option ?? 'an option'} takes no value`;
    default:
      return error.message;
  }
}
