import type { Problem } from '../api.js';

/** A refusal or failure, announced to screen readers as it appears. */
export function ProblemBox({ problem, prefix = '' }: { problem: Problem; prefix?: string }) {
  return (
    <div class="problem" role="alert">
      <strong>
        {prefix}
        {problem.title}
      </strong>
      <span>{problem.detail}</span>
    </div>
  );
}
