// One line before `pnpm test`: whether the server's and the contract tests also run on
// PostgreSQL (SBC_TEST_POSTGRES_URL, see vitest.stores.ts), or were skipped.
const url = process.env.SBC_TEST_POSTGRES_URL;
if (!url) {
  console.log('PostgreSQL runs skipped: SBC_TEST_POSTGRES_URL is not set (the tests run on SQLite only)');
} else {
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  console.log(`PostgreSQL runs on ${shown} as well as SQLite`);
}
