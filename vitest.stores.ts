// The test projects of a package whose tests run a server: once on SQLite, and once more on
// PostgreSQL when SBC_TEST_POSTGRES_URL names a database (test/helpers.ts then gives each
// server a schema of its own there).
import type { TestProjectInlineConfiguration } from 'vitest/config';

export interface StoreProjectsOptions {
  include: string[];
  /** Files about SQLite itself, left out of the PostgreSQL run. */
  sqliteOnly?: string[];
  /** Files about PostgreSQL itself, left out of the SQLite run. */
  postgresOnly?: string[];
}

export function storeProjects({ include, sqliteOnly = [], postgresOnly = [] }: StoreProjectsOptions): TestProjectInlineConfiguration[] {
  const sqlite: TestProjectInlineConfiguration = { extends: true, test: { name: 'sqlite', include, exclude: postgresOnly } };
  // `pnpm test` says in one line whether the PostgreSQL runs happen (scripts/postgres-test-runs.mjs).
  if (!process.env['SBC_TEST_POSTGRES_URL']) return [sqlite];
  return [sqlite, { extends: true, test: { name: 'postgres', include, exclude: sqliteOnly, env: { SBC_TEST_STORE: 'postgres' } } }];
}
