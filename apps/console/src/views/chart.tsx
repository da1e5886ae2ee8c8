// A uPlot time-series chart that follows the size of its box and takes new data without being
// made again.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  stroke: string;
  /** Points joined by steps: counts per minute read better as steps than as slopes. */
  stepped?: boolean;
}

export interface ChartProps {
  title: string;
  /** Seconds since the epoch, one per point. */
  times: number[];
  values: number[][];
  series: ChartSeries[];
  testId: string;
}

export function Chart({ title, times, values, series, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>(undefined);
  const data = [times, ...values] as uPlot.AlignedData;

  useEffect(() => {
    const element = box.current!;
    const made = new uPlot(
      {
        title,
        width: Math.max(280, element.clientWidth),
        height: 240,
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}) })),
        ],
        axes: [{ stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' } }, { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' } }],
      },
      data,
      element,
    );
    plot.current = made;
    const observer = new ResizeObserver(() => made.setSize({ width: Math.max(280, element.clientWidth), height: 240 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      made.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  }, [times, values]);

  return <div class="chart" ref={box} data-testid={testId} role="img" aria-label={title} />;
}
