/**
 * Sub GHz duty cycle: transmit air time over a rolling window (one hour, as the 868 MHz regulations count
 * it), in hundredths of a percent so it compares directly with the DBCH03/04 thresholds.
 */
export class DutyCycleWindow {
  private events: Array<{ atMs: number; airtimeMs: number }> = [];
  private total = 0;

  constructor(readonly windowMs = 3_600_000) {}

  add(atMs: number, airtimeMs: number): void {
    this.events.push({ atMs, airtimeMs });
    this.total += airtimeMs;
  }

  private expire(atMs: number): void {
    let drop = 0;
    while (drop < this.events.length && this.events[drop]!.atMs <= atMs - this.windowMs) {
      this.total -= this.events[drop]!.airtimeMs;
      drop++;
    }
    if (drop) this.events = this.events.slice(drop);
  }

  /** Duty cycle over the window ending at `atMs`, hundredths of a percent. */
  hundredthsOfPercent(atMs: number): number {
    this.expire(atMs);
    return Math.round((Math.max(0, this.total) / this.windowMs) * 10_000);
  }

  /** Air time that may still be sent now before reaching `limitHundredths`. */
  headroomMs(atMs: number, limitHundredths: number): number {
    this.expire(atMs);
    return Math.max(0, (limitHundredths / 10_000) * this.windowMs - this.total);
  }
}
