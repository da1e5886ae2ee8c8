// An in-memory CliIo: what main() wrote, and a terminal of any width.
import type { CliIo } from '../../src/cli/main.js';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(env: Record<string, string | undefined>, extra: Partial<CliIo> & { columns?: number } = {}): CapturedIo {
  let out = '';
  let err = '';
  const { columns, ...rest } = extra;
  return {
    stdout: {
      write: (text: string) => (out += text),
      ...(columns === undefined ? {} : { isTTY: true, columns }),
    },
    stderr: { write: (text: string) => (err += text) },
    env,
    ...rest,
    out: () => out,
    err: () => err,
  };
}
