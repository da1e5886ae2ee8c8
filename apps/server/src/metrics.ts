/** Request counts and latency histograms by route and status, written in the Prometheus text format. */
const bucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  labels: string;
  count: number;
  sum: number;
  buckets: number[];
}

export interface Gauges {
  liveSessions(): Promise<number>;
  eventSubscribers(): number;
}

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly started = Date.now();

  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = `method="${method}",route="${escapeLabel(route)}",status="${status}"`;
    let series = this.series.get(labels);
    if (!series) {
      series = { labels, count: 0, sum: 0, buckets: bucketsSeconds.map(() => 0) };
      this.series.set(labels, series);
    }
    series.count++;
    series.sum += seconds;
    bucketsSeconds.forEach((bound, i) => {
      if (seconds <= bound) series.buckets[i]!++;
    });
  }

  async render(gauges: Gauges): Promise<string> {
    const lines: string[] = [];
    lines.push('# HELP sbc_http_requests_total HTTP requests answered, by method, route and status.');
    lines.push('# TYPE sbc_http_requests_total counter');
    for (const s of this.series.values()) lines.push(`sbc_http_requests_total{${s.labels}} ${s.count}`);
    lines.push('# HELP sbc_http_request_duration_seconds Time to answer HTTP requests, by method, route and status.');
    lines.push('# TYPE sbc_http_request_duration_seconds histogram');
    for (const s of this.series.values()) {
      bucketsSeconds.forEach((bound, i) => lines.push(`sbc_http_request_duration_seconds_bucket{${s.labels},le="${bound}"} ${s.buckets[i]}`));
      lines.push(`sbc_http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      lines.push(`sbc_http_request_duration_seconds_sum{${s.labels}} ${s.sum}`);
      lines.push(`sbc_http_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }
    const memory = process.memoryUsage();
    const gauge = (name: string, help: string, value: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    gauge('sbc_live_sessions', 'Sessions with no end.', await gauges.liveSessions());
    gauge('sbc_event_subscribers', 'Open event streams.', gauges.eventSubscribers());
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss);
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', memory.heapUsed);
    gauge('process_uptime_seconds', 'Seconds since the server started.', (Date.now() - this.started) / 1000);
    return `${lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
