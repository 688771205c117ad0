import { createCipheriv } from 'node:crypto';
import { type Hex, fromHex, toHex } from '../../protocols/bytes.js';
import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import type { SigningFrame } from '../models/composite.js';
import { ROLE } from '../trust.js';
import { ALERT_CODE, ALERT_MESSAGE, plainAlert } from './alerts.js';
import { commonObjects, o } from './common.js';
import { type Call, DAR, type Outcome, fail, ok } from './cosem.js';
import { arr, bits, bool, dtAt, hexOf, i8, items, num, os, struct, u16, u8 } from './data.js';
import { Obj } from './objects.js';
import type { DlmsRuntime, Personality } from './runtime.js';

/*
 * The comms hub function's DLMS side: its device logs (COSEM class 104, ZigBee network control), whose
 * changes it reports to the DCC (CS14), plus identity, clock and logs. The dual-band Sub GHz objects
 * (0-0:94.44.10.x) are not modelled: reads and writes of them answer object-undefined.
 */

export interface LogEntry {
  eui: Hex;
  /** Device type as the register_device command gave it (GBCS: 0 GSME, 1 ESME, 3 GPF, 4 HCALCS, 5 PPMID). */
  deviceType: number;
  linkKey: Hex;
  /** What active_devices reports after the EUI: status flags, signal strengths, link quality, last heard. */
  link: DlmsData[];
}

/** A ZigBee network control object's state: who may be on the HAN and with which key. */
export class HanLog {
  entries: LogEntry[] = [];
  joining = false;
  joinTimeout = 60;
  panId: Hex = '0000000000000000';
  constructor(public extendedPanId: Hex) {}

  find(eui: Hex): LogEntry | undefined {
    return this.entries.find((e) => e.eui === eui.toUpperCase());
  }

  backup(at: Date): DlmsData {
    return struct(dtAt(at), os(this.extendedPanId), arr(this.entries.map((e) => struct(os(e.eui), os(e.linkKey)))));
  }
}

/** ZigBee install code to link key: the AES-MMO hash of the code (ZigBee SE 1.x, 5.4.8.1.1). */
export function mmoHash(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  let len = data.length + 1 + 2;
  while (len % 16 !== 0) len++;
  const m = new Uint8Array(len);
  m.set(data);
  m[data.length] = 0x80;
  m[len - 2] = (bitLen >> 8) & 0xff;
  m[len - 1] = bitLen & 0xff;
  let h = new Uint8Array(16);
  for (let i = 0; i < len; i += 16) {
    const block = m.subarray(i, i + 16);
    const c = createCipheriv('aes-128-ecb', h, null);
    c.setAutoPadding(false);
    const e = Buffer.concat([c.update(block), c.final()]);
    const next = new Uint8Array(16);
    for (let j = 0; j < 16; j++) next[j] = e[j]! ^ block[j]!;
    h = next;
  }
  return h;
}

export class Chf implements Personality {
  readonly logs: { han: HanLog; secondary: HanLog };

  constructor(private readonly rt: DlmsRuntime) {
    const r = rt.env.rng.fork('chf/pan');
    const xpan = toHex(r.bytes(8));
    this.logs = { han: new HanLog(xpan), secondary: new HanLog(xpan) };
    commonObjects(rt, { deviceType: '43', model: '534D4554532D53494D2D434846', manufacturer: '534D53' });
    rt.directory.add(this.networkControl(o('0-0:30.3.0.255'), this.logs.han));
    rt.directory.add(this.networkControl(o('0-0:30.3.1.255'), this.logs.secondary));
  }

  sync(): void {}

  event(messageCode: number, body: DlmsData[], _decrypted: unknown[], call: Call, _alert: SigningFrame): boolean {
    if (messageCode !== ALERT_MESSAGE.deviceLogChanged) return false;
    // The reference reports the log as it now is: bring the log to that content, which raises CS14.
    const backup = body[2];
    if (!backup) return false;
    const [, xpan, list] = items(backup);
    const log = this.logs.han;
    if (hexOf(xpan)) log.extendedPanId = hexOf(xpan)!;
    this.restore(log, list, call);
    return true;
  }

  private networkControl(obis: Hex, log: HanLog): Obj {
    return new Obj(104, obis, {}, {
      read: {
        2: () => bool(log.joining),
        3: () => u16(log.joinTimeout),
        4: () => arr(log.entries.map((e) => struct(os(e.eui), ...e.link))),
      },
      readOnly: [4],
      write: {
        2: (v) => {
          if (v.type !== 'boolean') return DAR.typeUnmatched;
          log.joining = v.value;
          return DAR.success;
        },
        3: (v) => {
          const n = num(v);
          if (n === undefined) return DAR.typeUnmatched;
          log.joinTimeout = n;
          return DAR.success;
        },
      },
      absorb: {
        2: (v) => v.type === 'boolean' && (log.joining = v.value),
        3: (v) => (log.joinTimeout = num(v) ?? log.joinTimeout),
        4: (v) => {
          log.entries = items(v).map((e) => {
            const [eui, ...link] = items(e);
            const id = hexOf(eui) ?? '0000000000000000';
            const known = log.find(id);
            return { eui: id, deviceType: known?.deviceType ?? 1, linkKey: known?.linkKey ?? toHex(mmoHash(fromHex(id))), link };
          });
        },
      },
      methods: {
        1: (p, call) => this.register(log, p, call),
        2: (p, call) => {
          const eui = hexOf(p);
          if (p.type !== 'octet-string' || !eui || eui.length !== 16) return fail(DAR.typeUnmatched);
          // Removal is idempotent: a device that is not in the log is already where the command wants it.
          if (!log.find(eui)) return ok();
          log.entries = log.entries.filter((e) => e.eui !== eui);
          this.changed(log, call);
          return ok();
        },
        3: (_p, call) => {
          log.entries = [];
          this.changed(log, call);
          return ok();
        },
        4: (_p, call) => ok(log.backup(call.now)),
        5: (p, call) => {
          const [pan, list] = items(p);
          if (p.type !== 'structure' || !hexOf(pan) || list?.type !== 'array') return fail(DAR.typeUnmatched);
          log.panId = hexOf(pan)!;
          return this.restore(log, list, call);
        },
      },
      absorbMethod: {
        4: (_p, returned) => {
          const [, xpan, list] = items(returned);
          if (hexOf(xpan)) log.extendedPanId = hexOf(xpan)!;
          const keyed = items(list).map((e) => items(e).map(hexOf));
          for (const [eui, key] of keyed) {
            if (!eui || !key) continue;
            const e = log.find(eui);
            if (e) e.linkKey = key;
            else log.entries.push({ eui, deviceType: 1, linkKey: key, link: this.freshLink(new Date(0)) });
          }
        },
      },
    });
  }

  /** register_device {EUI, device type, install code, key type}: the device may now join the HAN. */
  private register(log: HanLog, p: DlmsData, call: Call): Outcome {
    const [eui, type, code] = items(p);
    const id = hexOf(eui);
    const installCode = hexOf(code);
    if (p.type !== 'structure' || !id || id.length !== 16 || installCode === undefined || num(type) === undefined) return fail(DAR.typeUnmatched);
    if (installCode.length === 0) return fail(DAR.otherReason);
    const linkKey = toHex(mmoHash(fromHex(installCode)));
    const existing = log.find(id);
    if (existing) {
      existing.linkKey = linkKey;
      existing.deviceType = num(type)!;
    } else {
      if (log.entries.length >= 16) return fail(DAR.temporaryFailure);
      log.entries.push({ eui: id, deviceType: num(type)!, linkKey, link: this.freshLink(call.now, call) });
    }
    this.changed(log, call);
    return ok();
  }

  private restore(log: HanLog, list: DlmsData | undefined, call: Call): Outcome {
    const next: LogEntry[] = [];
    for (const e of items(list)) {
      const [eui, key] = items(e).map(hexOf);
      if (!eui || eui.length !== 16 || !key || key.length !== 32) return fail(DAR.typeUnmatched);
      const known = log.find(eui);
      next.push({ eui, deviceType: known?.deviceType ?? 1, linkKey: key, link: known?.link ?? this.freshLink(call.now, call) });
    }
    log.entries = next;
    this.changed(log, call);
    return ok();
  }

  /**
   * Radio figures for a device the hub has just heard: MAC capability flags, last/average/worst signal
   * strength (dBm), hops, link quality, and the status bytes a CHF keeps per device.
   */
  private freshLink(at: Date, call?: Call): DlmsData[] {
    const r = call ? call.rng : this.rt.env.rng.fork('chf/link');
    const last = -30 - r.int(0, 40);
    return [
      bits(8, 'C8'),
      i8(last),
      i8(last - r.int(5, 20)),
      i8(-100),
      u8(1 + r.int(0, 2)),
      u8(r.int(30, 120)),
      u8(r.int(180, 255)),
      dtAt(at),
      u8(1),
      u8(0),
      u8(100),
      u8(1),
      u8(1),
    ];
  }

  /** CS14: the device log changed; the DCC keeps a backup of it, so it gets the whole log. */
  private changed(log: HanLog, call: Call): void {
    if (log !== this.logs.han) return;
    const at = call.now;
    const backup = log.backup(at);
    call.alert({
      messageCode: ALERT_MESSAGE.deviceLogChanged,
      alertCode: ALERT_CODE.deviceLogChanged,
      to: ROLE.acb,
      critical: false,
      payload: (counter) => plainAlert(counter, ALERT_CODE.deviceLogChanged, at, backup),
    });
  }
}
