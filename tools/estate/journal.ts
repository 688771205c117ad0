import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Decoder, Encoder } from 'cbor-x';

/*
 * The estate's journal: everything from outside that changed it, in order, with the simulated time it
 * happened at. The simulation is deterministic, so replaying the journal onto an estate built from the same
 * config rebuilds every device counter, register, log and credential exactly. Each record is written with one
 * write(2) before it is acted on; a process killed with SIGKILL leaves the kernel's copy intact, and a record
 * torn by a crash of the machine is detected by its length and CRC and cut off on the next start.
 *
 * Record on disk: u32 LE length | u32 LE CRC-32 of the body | body (CBOR).
 */

export type JournalRecord =
  /** The first record: what the journal belongs to. */
  | { k: 'head'; version: 1; fingerprint: string; epochMs: number }
  /** A message from a WAN client (any envelope: command, ack, control). */
  | { k: 'in'; at: number; c: string; b: Uint8Array }
  /** A WAN client connected (`up`) or went away: what the session sends, and so what it may ack, depends on it. */
  | { k: 'conn'; at: number; c: string; up: boolean }
  /** A client's session was dropped with its queue (an unnamed connection that closed). */
  | { k: 'forget'; at: number; c: string }
  /** Time passed: every live premises ticked at `at`. */
  | { k: 'tick'; at: number }
  /** A premises was built (by a command, which replays it anyway, or for the dashboard, which does not). */
  | { k: 'open'; at: number; p: string }
  /** An interference burst injected by the operator (not over the WAN). */
  | { k: 'inject'; at: number; p: string; band: '2.4GHz' | 'subGHz'; level: number; ms: number };

export class JournalError extends Error {
  override readonly name = 'JournalError';
}

const HEADER = 8;
// Plain maps and typed arrays only: the journal must read back the same in any later version.
const codec = () => ({ encoder: new Encoder({ useRecords: false, mapsAsObjects: true }), decoder: new Decoder({ useRecords: false, mapsAsObjects: true }) });

export interface JournalContents {
  records: JournalRecord[];
  /** Bytes of intact records; anything after was torn and is cut off when the journal is opened. */
  intactBytes: number;
  tornBytes: number;
}

/** Reads every intact record of a journal file (none if it does not exist). */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], intactBytes: 0, tornBytes: 0 };
  const buf = readFileSync(path);
  const { decoder } = codec();
  const records: JournalRecord[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    const crc = buf.readUInt32LE(off + 4);
    if (off + HEADER + len > buf.length) break;
    const body = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(body) !== crc) break;
    let rec: unknown;
    try {
      rec = decoder.decode(body);
    } catch (e) {
      throw new JournalError(`${path}: record at byte ${off} has a good CRC but is not CBOR (${(e as Error).message})`);
    }
    records.push(checkRecord(rec, path, off));
    off += HEADER + len;
  }
  return { records, intactBytes: off, tornBytes: buf.length - off };
}

function checkRecord(r: unknown, path: string, off: number): JournalRecord {
  const k = (r as { k?: unknown } | null)?.k;
  if (k === 'head' || k === 'in' || k === 'conn' || k === 'forget' || k === 'tick' || k === 'open' || k === 'inject') {
    const rec = r as JournalRecord;
    if (rec.k === 'in' && !(rec.b instanceof Uint8Array)) throw new JournalError(`${path}: record at byte ${off}: field b is not bytes`);
    return rec;
  }
  throw new JournalError(`${path}: record at byte ${off} has unknown kind ${JSON.stringify(k)}`);
}

/** An open journal, appended to one record at a time. */
export class JournalWriter {
  private fd: number;
  private readonly encoder = codec().encoder;
  private bytes: number;
  count = 0;

  /** Opens `path` for appending, first cutting off a torn tail at `intactBytes`. */
  constructor(
    readonly path: string,
    intactBytes: number,
  ) {
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    if (fstatSync(this.fd).size !== intactBytes) ftruncateSync(this.fd, intactBytes);
    this.bytes = intactBytes;
  }

  append(rec: JournalRecord): void {
    if (this.fd < 0) throw new JournalError(`${this.path}: journal is closed`);
    const body = this.encoder.encode(rec);
    const out = Buffer.allocUnsafe(HEADER + body.length);
    out.writeUInt32LE(body.length, 0);
    out.writeUInt32LE(crc32(body), 4);
    body.copy(out, HEADER);
    let done = 0;
    while (done < out.length) done += writeSync(this.fd, out, done, out.length - done, this.bytes + done);
    this.bytes += out.length;
    this.count++;
  }

  get size(): number {
    return this.bytes;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
