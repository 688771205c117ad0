import { type Eui64, parseEui64 } from '../../protocols/eui.js';
import { type AccessRequestSpec, type AccessResponseSpec, type DlmsData, dlmsInvokeId } from '../../protocols/gbcs/dlms/index.js';
import { plainAlert } from '../../firmware-sim/dlms/alerts.js';
import { EPOCH_2000_MS } from '../../protocols/gbcs/time.js';
import type { AlertSpec, HandlerContext, HandlerResult, Request, ScheduledTask, TickContext } from '../../firmware-sim/device.js';
import type { Exchange, FamilyEngine, SigningFrame } from '../../firmware-sim/models/composite.js';
import { ROLE } from '../../firmware-sim/trust.js';
import { channelOfWord } from '../radio/channels.js';
import { configFromData, configToData } from './config.js';
import { type SubGhzAlert, type SubGhzController, SUBGHZ_ALERT } from './controller.js';

/** DBCH01-05 message codes and the COSEM objects they use (class, OBIS as hex). */
export const DBCH_CODES = new Set([0x010a, 0x010b, 0x010c, 0x010d, 0x010e]);
const OBJ = {
  config: { classId: 1, obis: '00005E2C0A00' },
  scan: { classId: 1, obis: '00005E2C0A01' },
  channel: { classId: 1, obis: '00005E2C0A02' },
  log: { classId: 7, obis: '00005E2C0A03' },
} as const;

const RESULT = { success: 0, hardwareFault: 1, objectUndefined: 4, typeUnmatched: 12, otherReason: 250 } as const;
/** Time from a DBCH05 request to the scan's assessment: asynchronous, as GBCS describes it. */
const SCAN_DELAY_MS = 60_000;

type Key = `${number}/${string}/${number}`;
const keyOf = (s: { classId: number; obis: string; attribute?: number; method?: number }): Key =>
  `${s.classId}/${s.obis.toUpperCase()}/${s.attribute ?? s.method ?? 0}`;


function word32(w: number): DlmsData {
  return { type: 'bit-string', bits: 32, hex: (w >>> 0).toString(16).toUpperCase().padStart(8, '0') };
}

/** A Sub GHz alert as the CHF sends it: a DLMS data-notification to the ACB, MAC'd. */
export function subGhzAlertSpec(a: SubGhzAlert): AlertSpec {
  return {
    messageCode: a.messageCode,
    alertCode: a.alertCode,
    to: ROLE.acb,
    critical: false,
    payload: (counter, at) => plainAlert(counter, a.alertCode, at, ...(a.body ? [a.body] : [])),
  };
}

/**
 * The CHF's DBCH use cases on top of its ordinary DLMS engine. On a dual band hub they read and drive the
 * Sub GHz controller; on a single band hub the objects do not exist, so each request gets
 * object-undefined — the hub answers, it does not pretend.
 */
export class SubGhzEngine implements FamilyEngine {
  /** Faults injected per object (conformance ERROR variants, or a user's test). */
  readonly faults = new Map<Key, number>();

  constructor(
    private readonly inner: FamilyEngine,
    private readonly subghz: SubGhzController | null,
  ) {}

  handle(req: Request, ctx: HandlerContext): HandlerResult {
    if (!DBCH_CODES.has(req.messageCode) || req.payload.family !== 'dlms' || req.payload.dlms.type !== 'access-request') {
      return this.inner.handle(req, ctx);
    }
    const ar = req.payload.dlms;
    const data: DlmsData[] = [];
    const results: AccessResponseSpec[] = [];
    ar.specs.forEach((spec, i) => {
      const r = this.one(spec, ar.data[i] ?? { type: 'null' }, ctx);
      data.push(r.data);
      results.push({ type: spec.type === 'action' ? 'action' : spec.type === 'set' || spec.type === 'set-with-selection' ? 'set' : 'get', result: r.result });
    });
    return {
      payload: {
        family: 'dlms',
        dlms: { type: 'access-response', invokeIdAndPriority: dlmsInvokeId(req.header.counter), dateTime: null, requestSpecs: null, data, results },
      },
    };
  }

  private one(spec: AccessRequestSpec, value: DlmsData, ctx: HandlerContext): { data: DlmsData; result: number } {
    const none: DlmsData = { type: 'null' };
    const fault = this.faults.get(keyOf(spec));
    if (fault !== undefined) return { data: none, result: fault };
    const sg = this.subghz;
    if (!sg) return { data: none, result: RESULT.objectUndefined };
    const at = ctx.now.getTime();
    const k = keyOf(spec);
    if (spec.type === 'get' && k === keyOf({ ...OBJ.channel, attribute: 2 })) {
      return { data: word32(((sg.operating.page << 27) | (1 << sg.operating.index)) >>> 0), result: RESULT.success };
    }
    if (spec.type === 'get' && k === keyOf({ ...OBJ.config, attribute: 2 })) return { data: configToData(sg.config), result: RESULT.success };
    if (spec.type === 'set' && k === keyOf({ ...OBJ.config, attribute: 2 })) {
      const c = configFromData(value);
      if (typeof c === 'string') return { data: none, result: RESULT.typeUnmatched };
      for (const a of sg.setConfig(c, at)) ctx.alert(subGhzAlertSpec(a));
      return { data: none, result: RESULT.success };
    }
    if (spec.type === 'set' && k === keyOf({ ...OBJ.scan, attribute: 2 })) {
      if (value.type !== 'uint8') return { data: none, result: RESULT.typeUnmatched };
      ctx.schedule(new Date(at + SCAN_DELAY_MS), { type: 'subghz-scan', data: null });
      return { data: none, result: RESULT.success };
    }
    if (spec.type === 'get-with-selection' && k === keyOf({ ...OBJ.log, attribute: 2 })) {
      const range = rangeOf(spec.parameters);
      if (!range) return { data: none, result: RESULT.otherReason };
      const rows: DlmsData[] = sg.logBetween(range.from, range.to).map((e) => ({
        type: 'structure',
        items: [
          { type: 'uint32', value: Math.round((e.atMs - EPOCH_2000_MS) / 1000) },
          { type: 'uint16', value: e.alertCode },
          { type: 'octet-string', hex: Buffer.from(e.data).toString('hex').toUpperCase() },
        ],
      }));
      return {
        data: {
          type: 'compact-array',
          description: { type: 'structure', elements: [{ type: 'uint32' }, { type: 'uint16' }, { type: 'octet-string' }] },
          rows,
        },
        result: RESULT.success,
      };
    }
    return { data: none, result: RESULT.objectUndefined };
  }

  seed(ex: Exchange): void {
    if (!DBCH_CODES.has(ex.command.header.otherInfo.messageCode)) return this.inner.seed?.(ex);
    const cmd = ex.command.payload;
    const exp = ex.expected.payload;
    if (cmd.family !== 'dlms' || cmd.dlms.type !== 'access-request' || exp.family !== 'dlms' || exp.dlms.type !== 'access-response') return;
    const sg = this.subghz;
    cmd.dlms.specs.forEach((spec, i) => {
      const res = (exp.dlms as { results: AccessResponseSpec[] }).results[i];
      const got = (exp.dlms as { data: DlmsData[] }).data[i];
      if (res && res.result !== RESULT.success) {
        this.faults.set(keyOf(spec), res.result);
        return;
      }
      if (!sg || !got) return;
      // Measured state the reference reports: the operating channel, the configuration, the channel log.
      const k = keyOf(spec);
      if (k === keyOf({ ...OBJ.channel, attribute: 2 }) && got.type === 'bit-string') sg.operating = channelOfWord(parseInt(got.hex, 16) >>> 0);
      if (k === keyOf({ ...OBJ.config, attribute: 2 }) && spec.type === 'get') {
        const c = configFromData(got);
        if (typeof c !== 'string') sg.config = c;
      }
      if (k === keyOf({ ...OBJ.log, attribute: 2 }) && got.type === 'compact-array') {
        sg.restoreLog(
          got.rows.flatMap((row) => {
            if (row.type !== 'structure') return [];
            const [t, c, d] = row.items;
            if (t?.type !== 'uint32' || c?.type !== 'uint16' || d?.type !== 'octet-string') return [];
            return [{ atMs: EPOCH_2000_MS + t.value * 1000, alertCode: c.value, data: new Uint8Array(Buffer.from(d.hex, 'hex')) }];
          }),
        );
      }
    });
  }

  runTask(task: ScheduledTask, ctx: TickContext): boolean {
    if (task.type !== 'subghz-scan') return this.inner.runTask?.(task, ctx) ?? false;
    if (this.subghz) for (const a of this.subghz.requestScan(ctx.now.getTime())) ctx.alert(subGhzAlertSpec(a));
    return true;
  }

  tick(ctx: TickContext): void {
    this.inner.tick?.(ctx);
    if (!this.subghz) return;
    const at = ctx.now.getTime();
    // Duty-cycle levels fall as the rolling window empties, with or without traffic.
    for (const a of [...this.subghz.updateLevel(at), ...this.subghz.observe(at)]) ctx.alert(subGhzAlertSpec(a));
  }

  /** Bring about the Sub GHz event an RTDS alert reports, through the radio model (conformance runs). */
  conformanceEvent(alert: SigningFrame, decrypted: unknown[], ctx: TickContext): boolean {
    const sg = this.subghz;
    const p = alert.payload;
    if (!sg || p.family !== 'dlms' || p.dlms.type !== 'data-notification' || p.dlms.body.type !== 'structure') {
      return this.inner.conformanceEvent?.(alert, decrypted, ctx) ?? false;
    }
    const [code, , body] = p.dlms.body.items;
    if (code?.type !== 'uint16') return false;
    const at = ctx.now.getTime();
    const raise = (alerts: SubGhzAlert[]) => {
      for (const a of alerts) ctx.alert(subGhzAlertSpec(a));
      return alerts.some((a) => a.alertCode === code.value);
    };
    switch (code.value) {
      case SUBGHZ_ALERT.limitedDutyCycle: {
        const eui = body?.type === 'octet-string' ? parseEui64(body.hex) : undefined;
        if (!eui) return false;
        // Talk to the device until the hub's duty cycle crosses Normal-Limited.
        const need = ((sg.config.normalLimitedDutyCycleThreshold + 1) / 10_000) * sg.duty.windowMs;
        return raise(sg.recordTransmit(at, need, eui));
      }
      case SUBGHZ_ALERT.channelChanged: {
        if (body?.type !== 'structure' || body.items[0]?.type !== 'bit-string') return false;
        const target = channelOfWord(parseInt(body.items[0].hex, 16) >>> 0);
        return raise(this.interfereUntil(sg, target, at));
      }
      case SUBGHZ_ALERT.scanOutcome:
        return raise(sg.requestScan(at));
      case SUBGHZ_ALERT.messageDiscarded: {
        if (body?.type !== 'octet-string' || body.hex.length !== 50) return false;
        const h = body.hex;
        sg.recordTransmit(at, (sg.regulatedLimit / 10_000) * sg.duty.windowMs, parseEui64(h.slice(16, 32)));
        const a = sg.admit(at, 1, { originator: parseEui64(h.slice(0, 16)), target: parseEui64(h.slice(16, 32)), cra: parseInt(h.slice(32, 34), 16), counter: BigInt(`0x${h.slice(34)}`) });
        return a ? raise([a]) : false;
      }
      case SUBGHZ_ALERT.capacityExhausted: {
        if (body?.type !== 'octet-string') return false;
        for (let i = 0; sg.devices.size < sg.capacity; i++) sg.join(`00DB0000000000${i.toString(16).padStart(2, '0').toUpperCase()}` as Eui64, at);
        const a = sg.join(parseEui64(body.hex), at);
        return a ? raise([a]) : false;
      }
      default:
        return this.inner.conformanceEvent?.(alert, decrypted, ctx) ?? false;
    }
  }

  /**
   * Interference that makes `target` the quietest allowed channel: the operating channel is moved away from
   * `target` first if needed, then noise on every other channel triggers agility.
   */
  private interfereUntil(sg: SubGhzController, target: { page: 28 | 29 | 30 | 31; index: number }, at: number): SubGhzAlert[] {
    const radio = sg.radio;
    if (sg.operating.page === target.page && sg.operating.index === target.index) {
      sg.operating = sg.allowedChannels().find((c) => c.page !== target.page || c.index !== target.index) ?? sg.operating;
    }
    sg.observe(at, true); // baseline on the current channel
    for (const ch of sg.allowedChannels()) {
      if (ch.page === target.page && ch.index === target.index) continue;
      radio.inject({ channel: { band: 'subGHz', ...ch }, levelDbm: -60, fromMs: at, toMs: at + 3_600_000 });
    }
    return sg.observe(at, true);
  }
}

/** A range-descriptor selection's from/to (uint32 seconds since 2000) as ms. */
function rangeOf(p: DlmsData): { from: number; to: number } | null {
  if (p.type !== 'structure' || p.items.length < 3) return null;
  const [, from, to] = p.items;
  const ms = (d: DlmsData | undefined) =>
    d?.type === 'uint32' ? EPOCH_2000_MS + d.value * 1000 : d?.type === 'date-time' ? Date.parse(`${d.value.iso}Z`) : NaN;
  const f = ms(from);
  const t = ms(to);
  if (Number.isNaN(f) || Number.isNaN(t)) return null;
  return { from: f, to: t };
}

