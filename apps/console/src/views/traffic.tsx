import type { Workspace } from '../workspace.js';

export function TrafficView(_: { workspace: Workspace }) {
  return (
    <section class="traffic">
      <h2>Traffic</h2>
      <p class="status">Traffic statistics need the API's statistics operation.</p>
    </section>
  );
}
