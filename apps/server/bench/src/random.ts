/**
 * A small seeded pseudo-random generator (sfc32). Every session of the data set draws from
 * its own generator, started from the data set's seed and the session's index, so any session
 * can be rebuilt on its own (to pick random existing ids) without replaying the rest. The
 * 128-bit state keeps the sessions' streams apart: with a 32-bit state (mulberry32, used
 * first) one session's stream can be another's shifted, and once in about a million two
 * sessions came out with the same Call-ID.
 */
export class Random {
  private a = 0x9e3779b9;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number, stream = 0) {
    this.b = seed >>> 0;
    this.c = stream >>> 0;
    // Mix the seed and stream into the whole state before the first draw.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The generator of item `index` of the stream `seed`. */
  static of(seed: number, index: number): Random {
    return new Random(seed, index);
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of `choices`, each drawn with its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [value, weight] of choices) {
      point -= weight;
      if (point < 0) return value;
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }

  digits(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) text += String(Math.floor(this.next() * 10));
    return text;
  }

  hex(count: number): string {
    let text = '';
    for (let i = 0; i < count; i++) text += Math.floor(this.next() * 16).toString(16);
    return text;
  }

  /** An exponentially distributed value with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}
