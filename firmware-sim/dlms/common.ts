import type { DlmsData } from '../../protocols/gbcs/dlms/index.js';
import { fromHex, toHex } from '../../protocols/bytes.js';
import { ALERT_CODE } from './alerts.js';
import { type Call, DAR, fail, ok } from './cosem.js';
import { bits, bool, dateTimeOf, dtAt, enm, i16, i8, items, obisHex, os, u16, u32, u8 } from './data.js';
import { dlmsDateTimeToDate } from '../../protocols/gbcs/time.js';
import { Obj } from './objects.js';
import { ProfileGeneric } from './profile-generic.js';
import type { DlmsRuntime } from './runtime.js';
import { struct } from './data.js';

/*
 * Objects every DLMS device here has (ESME and comms hub): clock, identity, firmware version, event and
 * security logs.
 */

export const o = obisHex;

/** Event-log row: time stamp (seconds since 2000) and event code. */
export function eventRow(at: Date, code: number): DlmsData {
  return struct(u32(Math.floor((at.getTime() - Date.UTC(2000, 0, 1)) / 1000)), u16(code));
}

export interface Logs {
  event: ProfileGeneric;
  security: ProfileGeneric;
}

export function commonObjects(rt: DlmsRuntime, identity: { deviceType: string; model: string; manufacturer: string }): Logs {
  const d = rt.directory;
  d.add(new Obj(1, o('0-0:96.1.1.255'), { 2: os(rt.eui) }, { readOnly: [2] }));
  d.add(new Obj(1, o('0-0:96.1.2.255'), { 2: os(identity.deviceType) }, { readOnly: [2] }));
  d.add(new Obj(1, o('0-0:96.1.4.255'), { 2: os(identity.model) }, { readOnly: [2] }));
  d.add(new Obj(1, o('0-0:96.1.6.255'), { 2: os(identity.manufacturer) }, { readOnly: [2] }));
  d.add(
    new Obj(1, o('0-0:0.2.1.255'), {}, {
      read: { 2: () => os(rt.env.shared.firmware.version) },
      absorb: { 2: (v) => v.type === 'octet-string' && (rt.env.shared.firmware.version = v.hex) },
      readOnly: [2],
    }),
  );
  d.add(clock(rt));
  const template = eventRow(new Date(Date.UTC(2015, 0, 1)), 0);
  const event = d.add(new ProfileGeneric(o('0-0:99.98.0.255'), template, 200));
  const security = d.add(new ProfileGeneric(o('0-0:99.98.1.255'), template, 200));
  return { event, security };
}

/**
 * COSEM class 8, Clock. Attribute 2 reads the device's clock; GBCS sets it with preset_adjusting_time
 * (method 5: preset time and a validity window) followed by adjust_to_preset_time (method 4): the clock
 * moves only if it reads within the window. ECS70 leaves the preset unspecified: the window then checks
 * the clock without moving it, and a clock outside it is reported (81C6) rather than changed.
 */
function clock(rt: DlmsRuntime): Obj {
  let preset: { at?: number; from?: number; to?: number } | undefined;
  const instant = (d: DlmsData | undefined): number | undefined => {
    const v = dateTimeOf(d);
    return v ? dlmsDateTimeToDate(v)?.getTime() : undefined;
  };
  const setTo = (deviceMs: number, call: Call) => rt.setDeviceTime(deviceMs, rt.simTime(call));
  const c: Obj = new Obj(
    8,
    o('0-0:1.0.0.255'),
    {
      3: i16(0),
      4: u8(0),
      5: os('FFFF03FE07010000008000FF'),
      6: os('FFFF0AFE07020000008000FF'),
      7: i8(60),
      8: bool(true),
      9: enm(1),
    },
    {
      read: { 2: (call) => dtAt(call ? call.now : new Date(0)) },
      write: {
        2: (v, call) => {
          const at = instant(v);
          if (at === undefined || !call) return DAR.otherReason;
          setTo(at, call);
          return DAR.success;
        },
      },
      absorb: { 2: () => undefined },
      methods: {
        // shift_time: seconds to add (long).
        6: (p, call) => {
          const s = p.type === 'int16' || p.type === 'int32' ? p.value : undefined;
          if (s === undefined) return fail(DAR.typeUnmatched);
          setTo(call.now.getTime() + s * 1000, call);
          return ok();
        },
        5: (p) => {
          const f = items(p);
          if (p.type !== 'structure' || f.length !== 3) return fail(DAR.typeUnmatched);
          const from = instant(f[1]);
          const to = instant(f[2]);
          const at = instant(f[0]);
          preset = { ...(at !== undefined ? { at } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
          return ok();
        },
        4: (_p, call) => {
          const pr = preset;
          if (!pr) return fail(DAR.otherReason);
          const now = call.now.getTime();
          if ((pr.from !== undefined && now < pr.from) || (pr.to !== undefined && now > pr.to)) {
            rt.raise(ALERT_CODE.clockNotAdjusted, call);
            return fail(DAR.otherReason);
          }
          // Without a preset time the window only confirms the clock: it is right, so it stays.
          if (pr.at !== undefined) setTo(pr.at, call);
          preset = undefined;
          return ok();
        },
      },
    },
  );
  return c;
}

/** A bit-string of `n` zero bits. */
export function zeroBits(n: number): DlmsData {
  return bits(n, '00'.repeat(Math.ceil(n / 8)));
}

/**
 * Alert and event behaviour configuration (0-x:97.98.11..14): a write carries a 256-bit change mask and
 * 256 new values; the configuration it changes reads back from 0-x:97.98.15..18.
 */
export function behaviourObjects(rt: DlmsRuntime, b: number): void {
  for (let k = 0; k < 4; k++) {
    const config = rt.directory.add(new Obj(1, o(`0-${b}:97.98.${15 + k}.255`), { 2: zeroBits(256) }, { readOnly: [2] }));
    rt.directory.add(
      new Obj(1, o(`0-${b}:97.98.${11 + k}.255`), { 2: zeroBits(512) }, {
        write: {
          2: (v) => {
            if (v.type !== 'bit-string' || v.bits !== 512) return DAR.otherReason;
            const mask = fromHex(v.hex.slice(0, 64));
            const values = fromHex(v.hex.slice(64, 128));
            const cur = config.attrs.get(2);
            const now = cur && cur.type === 'bit-string' ? fromHex(cur.hex) : new Uint8Array(32);
            for (let i = 0; i < 32; i++) now[i] = (now[i]! & ~mask[i]!) | (values[i]! & mask[i]!);
            config.attrs.set(2, bits(256, toHex(now)));
            return DAR.success;
          },
        },
      }),
    );
  }
}
