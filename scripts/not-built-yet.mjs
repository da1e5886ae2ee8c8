// Placeholder for root scripts whose issue has not landed: says so and fails,
// so nobody mistakes it for a passing run.
const [, , script, issue] = process.argv;
console.error(`pnpm ${script}: not built yet (tracked in issue ${issue})`);
process.exit(1);
