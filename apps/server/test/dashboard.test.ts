import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { dashboardExpressions, declaredFamilies, expectedFromAgent, familyOf, metricNamesIn } from './dashboard-metrics.js';
import { call, startTestServer } from './helpers.js';

const agentFamilies = new Set<string>(expectedFromAgent);
const queried = dashboardExpressions().flatMap(metricNamesIn);
const queriedFromAgent = new Set(queried.filter((name) => name.startsWith('sbc_agent_')).map((name) => familyOf(name, agentFamilies)));
const queriedFromServer = [...new Set(queried.filter((name) => !name.startsWith('sbc_agent_')))];

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('the Grafana dashboard (deploy/grafana/)', () => {
  it('queries only metrics that /metrics of a running server declares, apart from the agent panels', async () => {
    const families = declaredFamilies((await call<string>(server, 'getMetrics', '/metrics')).body);
    const missing = queriedFromServer.filter((name) => !families.has(familyOf(name, families)));
    expect(queriedFromServer.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('queries exactly the metrics expected from the SBC agent in its agent panels', () => {
    expect([...queriedFromAgent].sort()).toEqual([...expectedFromAgent].sort());
  });

  it('reads metric names from PromQL without its functions, label names, ranges or keywords', () => {
    const expression = 'histogram_quantile(0.99, sum by (le, route) (rate(a_seconds_bucket{route!="/x",status=~"5.."}[5m]))) / on (route) b_total offset 5m';
    expect(metricNamesIn(expression)).toEqual(['a_seconds_bucket', 'b_total']);
    expect(metricNamesIn('time() - process_start_time_seconds')).toEqual(['process_start_time_seconds']);
  });
});
