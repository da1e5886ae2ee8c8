/**
 * Whether SBC_DB names a PostgreSQL database rather than a SQLite file. Apart from the stores, so
 * that deciding loads neither database driver: a SQLite server never loads node-postgres.
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
