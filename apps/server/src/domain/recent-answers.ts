/**
 * Answers kept for a few seconds by key, and shared by the requests that ask while one is being
 * worked out: consoles that poll the same expensive answer (traffic statistics) cost one
 * computation per interval, not one each. At most `capacity` answers are kept (the oldest go
 * first), so that many different keys cannot fill the memory.
 */
export class RecentAnswers<T> {
  private readonly answers = new Map<string, { at: number; answer: Promise<T> }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly capacity: number,
  ) {}

  /** The answer for `key` given less than maxAgeMs before `now` (ms), or the one `work` gives now. */
  get(key: string, now: number, work: () => Promise<T>): Promise<T> {
    const kept = this.answers.get(key);
    if (kept && now >= kept.at && now - kept.at < this.maxAgeMs) return kept.answer;
    this.answers.delete(key);
    for (const [oldest, { at }] of this.answers) {
      if (this.answers.size < this.capacity && now >= at && now - at < this.maxAgeMs) break;
      this.answers.delete(oldest);
    }
    const answer = work();
    const entry = { at: now, answer };
    this.answers.set(key, entry);
    // A failure is not kept: the next request tries again.
    answer.catch(() => {
      if (this.answers.get(key) === entry) this.answers.delete(key);
    });
    return answer;
  }
}
