import { Ring } from './ring.js';

/** One reading of a hub's Sub GHz duty cycle: simulated time, hundredths of a percent of the rolling hour. */
export interface DutySample {
  atMs: number;
  hundredths: number;
}

/**
 * Duty-cycle readings per premises, taken whenever the dashboard hears from a premises or shows it. The hub
 * keeps only a running total, so this is the only history there is; it is bounded twice (samples per
 * premises, premises kept, least recently sampled dropped first) because an estate may have 100k hubs.
 */
export class DutyHistory {
  private readonly rings = new Map<string, Ring<DutySample>>();

  constructor(
    private readonly samplesPerPremises = 240,
    private readonly premisesKept = 512,
  ) {}

  record(id: string, sample: DutySample): void {
    let ring = this.rings.get(id);
    if (ring) {
      // Re-inserting moves the premises to the young end of the map's order, which is what eviction reads.
      this.rings.delete(id);
    } else {
      ring = new Ring<DutySample>(this.samplesPerPremises);
      if (this.rings.size >= this.premisesKept) this.rings.delete(this.rings.keys().next().value!);
    }
    this.rings.set(id, ring);
    const last = ring.last();
    // Simulated time often stands still while many messages pass: one point per instant, the latest reading.
    if (last && last.atMs === sample.atMs) ring.replaceLast(sample);
    else if (!last || sample.atMs > last.atMs) ring.push(sample);
  }

  samples(id: string): DutySample[] {
    return this.rings.get(id)?.toArray() ?? [];
  }
}
