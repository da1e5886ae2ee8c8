/**
 * The command line of a bench tool: `--name N` options taken out of the arguments as numbers,
 * leaving the positional ones in `positional`.
 */
export function toolArgs(argv: readonly string[] = process.argv.slice(2)) {
  const positional = [...argv];
  const option = (name: string, fallback: number): number => {
    const at = positional.indexOf(name);
    return at === -1 ? fallback : Number(positional.splice(at, 2)[1]);
  };
  return { positional, option };
}
