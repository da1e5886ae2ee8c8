import { readFileSync } from 'node:fs';

/** The Grafana dashboard of deploy/grafana/, which queries the server's and the agents' metrics. */
export const dashboardFile = new URL('../../../deploy/grafana/sbc-session-api.json', import.meta.url);

/**
 * What the SBC agent serves on its health address. The agent's own suite checks every
 * `sbc_agent_` name of the dashboard against a running agent's `/metrics`; here only that the
 * dashboard asks for these and no others.
 */
export const expectedFromAgent = [
  'sbc_agent_reports_buffered',
  'sbc_agent_reports_dropped_total',
  'sbc_agent_reports_delivered_total',
  'sbc_agent_kamailio_connected',
  'sbc_agent_command_stream_connected',
  'sbc_agent_delivery_seconds',
] as const;

interface Panel {
  panels?: Panel[];
  targets?: Array<{ expr?: string }>;
}

/** Every PromQL expression of the dashboard's panels. */
export function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Panel;
  const expressions: string[] = [];
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? []) if (target.expr) expressions.push(target.expr);
    for (const inner of panel.panels ?? []) visit(inner);
  };
  visit(dashboard);
  return expressions;
}

const promqlKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** The metric names a PromQL expression reads: not its functions, label names, values or ranges. */
export function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((name) => !promqlKeywords.has(name)))];
}

/** A histogram's or summary's samples are queried by their suffixed names. */
export function familyOf(name: string, families: ReadonlySet<string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(name) ? name : families.has(base) ? base : name;
}

/** The metric families an exposition declares, from its `# TYPE` lines. */
export function declaredFamilies(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]!));
}
