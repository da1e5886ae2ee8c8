// The admin command line's lists: a header and aligned columns for a person, `--json` for a script.

/** Rows under their titles, columns two spaces apart, `-` for an empty cell. */
export function table(titles: readonly string[], rows: ReadonlyArray<readonly (string | undefined)[]>): string[] {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined || cell === '' ? '-' : cell)));
  const widths = titles.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(titles), ...cells.map(line)];
}
