/**
 * A fixed-capacity buffer that keeps the newest items. The dashboard keeps history this way so a long-running
 * estate never grows its memory through the dashboard, however busy it is.
 */
export class Ring<T> {
  private readonly items: T[] = [];
  /** Index of the oldest item once the buffer is full. */
  private start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a whole number ≥ 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The newest item. */
  last(): T | undefined {
    if (!this.items.length) return undefined;
    return this.items[(this.start + this.items.length - 1) % this.items.length];
  }

  /** Overwrites the newest item (e.g. a second sample at the same instant). */
  replaceLast(item: T): void {
    if (!this.items.length) return this.push(item);
    this.items[(this.start + this.items.length - 1) % this.items.length] = item;
  }

  /** Oldest first; `newest` keeps only that many of the most recent. */
  toArray(newest = this.items.length): T[] {
    const n = Math.max(0, Math.min(newest, this.items.length));
    const out: T[] = [];
    for (let i = this.items.length - n; i < this.items.length; i++) out.push(this.items[(this.start + i) % this.items.length]!);
    return out;
  }
}
