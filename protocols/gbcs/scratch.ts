import { Writer } from '../bytes.js';

/*
 * A Writer kept for reuse by one encoder: every frame a device sends goes through a few encoders, and a
 * fresh Writer is a fresh 64-256-byte buffer each time (off the V8 heap above 64 bytes, so not cheap to make
 * or collect). `take` hands out the kept Writer emptied, or a new one if it is in use (an encoder reached
 * again while running); `give` returns it. Callers copy their result out with `toBytes()` before giving back.
 */
export class ScratchWriter {
  private readonly kept: Writer;
  private busy = false;

  constructor(initial = 512) {
    this.kept = new Writer(initial);
  }

  take(): Writer {
    if (this.busy) return new Writer(256);
    this.busy = true;
    this.kept.length = 0;
    return this.kept;
  }

  give(w: Writer): void {
    if (w === this.kept) this.busy = false;
  }
}
