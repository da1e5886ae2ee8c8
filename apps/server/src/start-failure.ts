import { dirname } from 'node:path';

/**
 * Why the server cannot start, as one line for the person who started it: what failed, where,
 * and what to do. `main` prints it and exits 78, like a bad variable.
 */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

const errorCode = (error: unknown): string | undefined => (error as { code?: unknown } | null)?.code?.toString();
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A listen that failed: the port is taken, the host does not resolve or is not this machine's. */
export function listenFailure(error: unknown, host: string, port: number): StartError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (errorCode(error)) {
    case 'EADDRINUSE':
      return new StartError(`Cannot listen on ${where}: the port is in use by another process; stop it, or set PORT to a free port`);
    case 'EACCES':
      return new StartError(`Cannot listen on ${where}: permission denied (ports below 1024 need privileges); set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
      return new StartError(`Cannot listen on ${where}: ${host} is not an address of this machine; set HOST to one of its addresses, or 0.0.0.0`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return new StartError(`Cannot listen on ${where}: the host name ${host} does not resolve; set HOST to an address of this machine, such as 127.0.0.1 or 0.0.0.0`);
    default:
      return new StartError(`Cannot listen on ${where}: ${reason(error)}; check HOST and PORT`);
  }
}

/** A database that cannot be opened or brought to this server's schema. */
export function databaseFailure(error: unknown, path: string): StartError {
  const where = `SBC_DB=${path}`;
  const code = errorCode(error) ?? '';
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new StartError(`Cannot create the directory of ${where}: a part of ${dirname(path)} is a file, not a directory; set SBC_DB to a path inside a directory`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
    return new StartError(`Cannot open ${where} for writing (${reason(error)}): the server's user must be able to write the file and its directory ${dirname(path)}`);
  }
  if (code === 'SQLITE_NOTADB') {
    return new StartError(`Cannot open ${where}: the file is not an SQLite database; set SBC_DB to the server's database, or to a new file`);
  }
  return new StartError(`Cannot open ${where}: ${reason(error)}`);
}
