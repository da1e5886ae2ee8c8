// Files that survive a power cut: written to a temporary name, flushed to the disk (fsync), then
// renamed over the old one, and the rename itself flushed (fsync of the directory). A reader
// finds the old content or the new, never a mix.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `renameDurably: false` skips flushing the directory after the rename: after a power cut the
 * file may then hold its previous content (never a mix), for files where that is harmless.
 */
export function writeFileDurably(path: string, content: string, { renameDurably = true } = {}): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (renameDurably) syncDirectory(dirname(path));
}

/** Makes the directory's entries (a file created, renamed or removed) durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
