/**
 * At most `max` holders at once; the others wait their turn in order. Bounds
 * how many stacks the watcher works on at the same moment, so 10,000 stacks
 * listed at start become a steady stream of requests instead of 10,000
 * concurrent ones to the apiserver and Temporal.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new Error(`concurrency must be a positive integer, not ${max}`);
  }

  acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the place to the next waiter, if any. */
  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = noop;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Holders plus waiters, for metrics. */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length - this.head };
  }
}

const noop = () => undefined;
