// Collects items as they arrive and hands them over once per frame: at 200 events a second the
// screen renders about 60 times, not 200, and never twice for one frame.

/** Runs a callback before the next frame; `requestAnimationFrame` in a browser. */
export type FrameScheduler = (callback: () => void) => void;

export class FrameBatch<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(
    private readonly schedule: FrameScheduler,
    private readonly flush: (items: T[]) => void,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule(() => this.run());
  }

  /** Items waiting for the next frame. */
  get size(): number {
    return this.pending.length;
  }

  private run(): void {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    if (items.length > 0) this.flush(items);
  }
}
