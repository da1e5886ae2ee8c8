import { describe, expect, it } from 'vitest';
import { RecentAnswers } from '../src/domain/recent-answers.js';

/** Work that answers with how many times it was done. */
function counter() {
  let done = 0;
  return { work: () => Promise.resolve(++done), times: () => done };
}

describe('recent answers', () => {
  it('gives the same question asked again within the age limit the answer already worked out', async () => {
    const answers = new RecentAnswers<number>(5000, 10);
    const { work, times } = counter();
    await answers.get('q', 1000, work);
    expect(await answers.get('q', 5999, work)).toBe(1);
    expect(times()).toBe(1);
  });

  it('works the answer out again once the kept one is as old as the age limit', async () => {
    const answers = new RecentAnswers<number>(5000, 10);
    const { work } = counter();
    await answers.get('q', 1000, work);
    expect(await answers.get('q', 6000, work)).toBe(2);
  });

  it('works out each question on its own', async () => {
    const answers = new RecentAnswers<number>(5000, 10);
    const { work } = counter();
    await answers.get('q', 1000, work);
    expect(await answers.get('other', 1000, work)).toBe(2);
  });

  it('shares one piece of work between questions asked while it is under way', async () => {
    const answers = new RecentAnswers<number>(5000, 10);
    let finish: (n: number) => void = () => undefined;
    let started = 0;
    const work = () => {
      started++;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = answers.get('q', 1000, work);
    const second = answers.get('q', 1001, work);
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(started).toBe(1);
  });

  it('does not keep a failure: the next question works the answer out again', async () => {
    const answers = new RecentAnswers<number>(5000, 10);
    await expect(answers.get('q', 1000, () => Promise.reject(new Error('database unavailable')))).rejects.toThrow('database unavailable');
    expect(await answers.get('q', 1001, () => Promise.resolve(3))).toBe(3);
  });

  it('keeps at most its capacity of answers, dropping the oldest first', async () => {
    const answers = new RecentAnswers<number>(5000, 2);
    const { work } = counter();
    await answers.get('a', 1000, work);
    await answers.get('b', 1001, work);
    await answers.get('c', 1002, work);
    expect(await answers.get('b', 1003, work)).toBe(2);
    expect(await answers.get('a', 1004, work)).toBe(4);
  });
});
