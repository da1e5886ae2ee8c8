import type { TrafficStats } from '@sbc/client';
import { useEffect, useState } from 'preact/hooks';
import { describeProblem, type Problem } from '../api.js';
import { directionLabel } from '../format.js';
import type { Workspace } from '../workspace.js';
import { Chart } from './chart.js';
import { ProblemBox } from './problem-box.js';

/** How often the figures are read again; the current minute's concurrent calls follow the live feed in between. */
const refreshMs = 10_000;
const windows = [15, 60, 180, 1440];

export function TrafficView({ workspace }: { workspace: Workspace }) {
  const { client, feed } = workspace;
  const [minutes, setMinutes] = useState(60);
  const [stats, setStats] = useState<TrafficStats>();
  const [problem, setProblem] = useState<Problem>();
  const [liveNow, setLiveNow] = useState(feed.calls.liveCount);

  useEffect(() => {
    let current = true;
    const read = () =>
      client.trafficStats({ window: minutes }).then(
        (read) => current && (setStats(read), setProblem(undefined)),
        (error: unknown) => current && setProblem(describeProblem(error)),
      );
    void read();
    const timer = setInterval(() => void read(), refreshMs);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [client, minutes]);
  useEffect(() => feed.subscribe(() => setLiveNow(feed.calls.liveCount)), [feed]);

  const series = stats?.window.series ?? [];
  const times = series.map((minute) => Date.parse(minute.minute) / 1000);
  // The last minute is the current one: its concurrent calls are the live count, as it moves.
  const concurrent = series.map((minute, i) => (i === series.length - 1 && feed.state.kind === 'live' ? liveNow : minute.concurrent));
  const window = stats?.window;

  return (
    <section class="traffic" aria-labelledby="traffic-title">
      <div class="toolbar">
        <h2 id="traffic-title">Traffic</h2>
        <label>
          Window{' '}
          <select value={String(minutes)} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {windows.map((m) => (
              <option key={m} value={String(m)}>
                {m < 60 ? `${m} minutes` : `${m / 60} hour${m === 60 ? '' : 's'}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      {problem && <ProblemBox problem={problem} />}
      {stats && window && (
        <>
          <div class="figures" data-testid="traffic-figures">
            <Figure label="Live calls" value={String(feed.state.kind === 'live' ? liveNow : stats.live.calls)} testId="traffic-live" />
            <Figure label="Answered now" value={String(stats.live.answered)} />
            <Figure label="Started in window" value={String(window.started)} testId="traffic-started" />
            <Figure label="ASR" value={window.asr === undefined ? '–' : `${(window.asr * 100).toFixed(1)} %`} testId="traffic-asr" />
            <Figure label="ACD" value={window.acdSeconds === undefined ? '–' : `${window.acdSeconds.toFixed(1)} s`} testId="traffic-acd" />
          </div>
          <div class="charts">
            <Chart
              title="Concurrent calls"
              testId="chart-concurrent"
              times={times}
              values={[concurrent]}
              series={[{ label: 'concurrent', stroke: '#0b5cad' }]}
            />
            <Chart
              title="Calls per minute"
              testId="chart-per-minute"
              times={times}
              values={[series.map((m) => m.started), series.map((m) => m.answered), series.map((m) => m.failed)]}
              series={[
                { label: 'started', stroke: '#6b4fbb', stepped: true },
                { label: 'answered', stroke: '#1a7f37', stepped: true },
                { label: 'failed', stroke: '#c4342d', stepped: true },
              ]}
            />
          </div>
          <div class="breakdowns">
            <Breakdown title="By SBC" rows={stats.live.bySbcServer.map((b) => [String(b.sbcServer), b.calls])} />
            <Breakdown title="By direction" rows={stats.live.byDirection.map((b) => [directionLabel(b.direction), b.calls])} />
            <Breakdown title="Top customers" testId="top-customers" rows={stats.live.topCustomers.map((c) => [c.name ?? c.id, c.calls])} />
            <Breakdown title="Top peers" rows={stats.live.topPeers.map((p) => [String(p.peer), p.calls])} />
          </div>
        </>
      )}
    </section>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div class="figure" data-testid={testId}>
      {label}
      <strong>{value}</strong>
    </div>
  );
}

function Breakdown({ title, rows, testId }: { title: string; rows: Array<[string, number]>; testId?: string }) {
  return (
    <table class="list breakdown" data-testid={testId}>
      <caption>{title} (live)</caption>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td>none</td>
          </tr>
        )}
        {rows.map(([name, calls]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{calls}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
