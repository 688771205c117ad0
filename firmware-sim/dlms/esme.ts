import { encodeDlmsData, type DlmsData } from '../../protocols/gbcs/dlms/index.js';
import type { Eui64 } from '../../protocols/eui.js';
import { makeUtrn, parseUtrn, verifyUtrn } from '../../protocols/crypto/utrn.js';
import { encryptPart } from '../../protocols/gbcs/seal.js';
import { GbcsCryptoError } from '../../protocols/errors.js';
import { type ConsumptionProfile, createConsumptionProfile, HALF_HOUR_MS } from '../profile.js';
import { ROLE } from '../trust.js';
import { Account, POUND, type PrepaymentRegisters } from './account.js';
import { type Transfer, ref } from './activation.js';
import { ALERT_CODE, ALERT_MESSAGE, cipheredOctets, notification, plainAlert, protectionParameters, transactionIdFor } from './alerts.js';
import { type Logs, behaviourObjects, commonObjects, eventRow, o, zeroBits } from './common.js';
import { type Call, DAR, type Outcome, fail, ok } from './cosem.js';
import {
  arr,
  bool,
  describe,
  dtAt,
  enm,
  i16,
  i32,
  i8,
  instantOf,
  items,
  num,
  octets,
  os,
  scalerUnit,
  struct,
  toSeconds2000,
  u16,
  u32,
  u8,
  vs,
} from './data.js';
import { BLOCK_RATES, BLOCKS, Metering, SECONDARY_RATES, TOU_RATES, type Totals } from './metering.js';
import { DataProtection, Obj } from './objects.js';
import { ProfileGeneric, everySeconds } from './profile-generic.js';
import type { DlmsRuntime, Personality } from './runtime.js';
import { TariffCalendar, type Booking } from './tariff.js';
import type { SigningFrame } from '../models/composite.js';

/*
 * The electricity meter (single or twin element, credit or prepayment): its COSEM objects wired to the
 * energy registers, the prepayment account, the load switch and auxiliary load control switches, and the
 * periodic work a meter does as time passes (profiles, billing snapshots, prepayment charging).
 */

export type SupplyState = 'enabled' | 'disabled' | 'armed';

const DAY_MS = 86_400_000;
const HH_DEPTH = 13 * 31 * 48;
const EPOCH = Date.UTC(2000, 0, 1);
const s2000 = (t: number) => u32(toSeconds2000(t));

export class Esme implements Personality {
  readonly metering: Metering;
  readonly account = new Account();
  supply: SupplyState = 'enabled';
  /** Auxiliary load control switches 1..5: closed (load on) or open. */
  readonly alcs = [false, false, false, false, false];
  /** When the meter started recording (simulation ms); nothing older exists. */
  readonly installedAt: number;
  private readonly primaryTariff: TariffCalendar;
  private readonly secondaryTariff: TariffCalendar;
  readonly logs: Logs & { power: ProfileGeneric; alcs: ProfileGeneric; boost: ProfileGeneric; billingPrepayment: ProfileGeneric; prepaymentDaily: ProfileGeneric; credits: ProfileGeneric; debtPayments: ProfileGeneric; billing: ProfileGeneric };
  /** Device time up to which periodic captures (billing, daily logs) are done. */
  private capturedTo: number;
  /** An instantaneous power reading seeded from a reference, valid at one instant only. */
  private powerReading: { at: number; values: number[] } | undefined;
  /** Price and standing charge as last read from the charge objects (refreshed on every sync). */
  private prices: { unit: (booking: Booking) => number; standingPerDay: number } = { unit: () => 0, standingPerDay: 0 };

  constructor(private readonly rt: DlmsRuntime) {
    const env = rt.env;
    const r = env.rng.fork('esme/profile');
    const now = env.clock.nowMs();
    this.installedAt = now - (400 + r.int(0, 365)) * DAY_MS;
    // Drawn even when the config sets it, so the rest of this meter's numbers stay the same either way.
    const drawnKWh = 2000 + r.int(0, 2500);
    const annualKWh = env.traits?.annualKWh ?? drawnKWh;
    const secondaryKWh = 3000 + r.int(0, 3000);
    // About three homes in ten with a meter like this have PV panels (unless the estate's config says).
    const drawnSolar = r.float() < 0.3 ? 2 + r.int(0, 2) : 0;
    const solarKwp = env.traits?.solarKwp ?? drawnSolar;
    const drawnHeating = 0.05 + r.float() * 0.1;
    const primary: ConsumptionProfile = createConsumptionProfile({
      seed: `${env.eui}/primary`,
      annualKWh,
      solarKwp,
      heatingShare: env.traits?.heatingShare ?? drawnHeating,
    });
    // A twin element's second register usually meters off-peak storage heating or a heat pump.
    const secondary = createConsumptionProfile({ seed: `${env.eui}/secondary`, annualKWh: secondaryKWh, heatingShare: 0.9 });
    this.primaryTariff = new TariffCalendar(() => this.calendarTables('0-0:13.0.0.255', '0-0:11.0.0.255'));
    this.secondaryTariff = new TariffCalendar(() => this.calendarTables('0-0:13.0.1.255', '0-0:11.0.1.255'));
    this.metering = new Metering(
      primary,
      secondary,
      {
        primarySelector: (t) => this.primaryTariff.selectorAt(t),
        secondarySelector: (t) => this.secondaryTariff.selectorAt(t),
        blockThresholds: (rate) => items(this.rt.directory.find(21, o(`0-0:16.1.${10 + rate}.255`))?.attrs.get(2)).map((x) => num(x) ?? 0xffffffff),
        onHalfHour: (_slot, wh, booking) => this.account.charge((wh / 1000) * this.prices.unit(booking)),
      },
      now,
    );
    // Registers start where a meter of this age would be (a year's energy per year; GB PV yields about
    // 850 kWh per kWp, half of it exported); the history is booked to the first rate: no earlier tariff is known.
    const years = (now - this.installedAt) / (365 * DAY_MS);
    const t = this.metering.totals;
    t.import = annualKWh * 1000 * years;
    t.tou[0] = t.import;
    t.export = solarKwp * 850 * 0.5 * 1000 * years;
    t.reactiveImport = t.import * 0.25;
    t.reactiveExport = t.export * 0.05;
    t.importSecondary = secondaryKWh * 1000 * years;
    t.touSecondary[0] = t.importSecondary;
    this.account.meterBalance = 10 * POUND;
    this.account.emergencyCreditBalance = 15 * POUND;
    if (env.traits?.paymentMode) this.account.mode = env.traits.paymentMode;
    this.capturedTo = rt.deviceTime(now).getTime();
    this.logs = this.build();
    this.refreshPrices();
  }

  // --- time passing ----------------------------------------------------------------------------------

  sync(call: Call, periodic: boolean): void {
    const sim = this.rt.simTime(call);
    const before = this.metering.t;
    this.refreshPrices();
    if (sim > before) {
      this.metering.advance(sim);
      const days = Math.floor(sim / DAY_MS) - Math.floor(before / DAY_MS);
      if (days > 0) this.account.charge(days * this.prices.standingPerDay);
    }
    if (periodic) this.capture(call);
    this.checkCredit(call);
  }

  /** Billing-calendar snapshots and the prepayment daily read log for the instants passed since last time. */
  private capture(call: Call): void {
    const now = call.now.getTime();
    const from = this.capturedTo;
    if (!(now > from)) return;
    this.capturedTo = now;
    const billing = this.billingInstants(Math.max(from + 1, now - 400 * DAY_MS), now, 13);
    for (const t of billing) this.logs.billingPrepayment.capture(prepaymentRow(t, this.account.registers()));
    const last = billing.at(-1);
    if (last !== undefined) this.billingAlert(call, last);
    for (let d = Math.ceil(Math.max(from + 1, now - 31 * DAY_MS) / DAY_MS); d * DAY_MS <= now; d++) {
      this.logs.prepaymentDaily.capture(prepaymentRow(d * DAY_MS, this.account.registers()));
    }
  }

  /** The charge values `prices` was computed from: written values are replaced (cloned), never edited in place. */
  private pricedFrom: [DlmsData | undefined, DlmsData | undefined] | undefined;

  private refreshPrices(): void {
    const energy = this.chargeValue('0-0:19.20.0.255');
    const standingCharge = this.chargeValue('0-0:19.20.4.255');
    // Every command and tick syncs; the prices change only when a tariff command writes them.
    if (this.pricedFrom && this.pricedFrom[0] === energy && this.pricedFrom[1] === standingCharge) return;
    this.pricedFrom = [energy, standingCharge];
    const matrix = items(items(this.chargeValue('0-0:19.20.0.255'))[2]);
    const scale = (c: DlmsData | undefined) => 10 ** (num(items(items(c)[0])[0]) ?? 3) / 1000;
    const priceAt = (i: number) => num(items(matrix[i - 1])[1]) ?? 0;
    const commodity = scale(this.chargeValue('0-0:19.20.0.255'));
    const standing = num(items(items(items(this.chargeValue('0-0:19.20.4.255'))[2])[0])[1]) ?? 0;
    this.prices = {
      unit: (b) => (b.kind === 'tou' ? priceAt(b.rate) : b.kind === 'block' ? priceAt(b.rate) : 0) / commodity,
      standingPerDay: standing,
    };
  }

  private chargeValue(obisText: string): DlmsData | undefined {
    return this.rt.directory.find(113, o(obisText))?.attrs.get(5);
  }

  /** In prepayment mode a meter whose credit runs out opens its load switch (GBCS "disablement"). */
  private checkCredit(call: Call): void {
    if (this.account.mode !== 'prepayment' || this.supply !== 'enabled') return;
    const threshold = this.extValue('0-0:94.44.128.22') ?? 0;
    if (this.account.available() >= threshold) return;
    this.setSupply('disabled', call);
    this.rt.raise(ALERT_CODE.creditBelowDisablement, call);
  }

  setSupply(state: SupplyState, call: Call): void {
    if (state === this.supply) return;
    this.supply = state;
    if (state === 'armed') {
      this.logs.event.capture(eventRow(call.now, ALERT_CODE.supplyArmed));
    }
  }

  /** The consumer presses the button on an armed meter: supply comes back. */
  consumerEnable(call: Call): boolean {
    if (this.supply !== 'armed') return false;
    this.setSupply('enabled', call);
    return true;
  }

  extValue(obisText: string): number | undefined {
    return num(this.rt.directory.find(9000, o(obisText))?.attrs.get(2));
  }

  // --- prepayment ------------------------------------------------------------------------------------

  /**
   * CS01a: a UTRN is authentic when its MAC verifies with the key agreed between the supplier's
   * prepayment top-up trust anchor and this meter, and new when its counter is above the last accepted.
   */
  enterToken(utrn: string, call: Call, local = false): Outcome {
    const anchor = call.device.trust.get(ROLE.supplier, 'ka-topup');
    if (!anchor) return fail(DAR.otherReason);
    let token;
    try {
      token = parseUtrn(utrn);
    } catch (e) {
      if (!(e instanceof GbcsCryptoError)) throw e;
      this.rt.raise(ALERT_CODE.utrnNotAuthentic, call);
      return fail(DAR.otherReason);
    }
    const counter = BigInt(token.counterBits) << 32n;
    if (this.account.recentUtrns.includes(token.utrn)) {
      this.rt.raise(ALERT_CODE.duplicateUtrn, call);
      return fail(DAR.otherReason);
    }
    const z = call.device.keyAgreementSecret(anchor.publicKey);
    if (!verifyUtrn({ utrn: token.utrn, key: z, supplier: anchor.eui, device: this.rt.eui, counter })) {
      this.rt.raise(ALERT_CODE.utrnNotAuthentic, call);
      return fail(DAR.otherReason);
    }
    if (counter <= this.account.lastTopUpCounter) {
      this.rt.raise(ALERT_CODE.duplicateUtrn, call);
      return fail(DAR.otherReason);
    }
    const amount = token.value * (token.valueClass === 'pounds' ? POUND : POUND / 100);
    const maxCredit = this.extValue('0-0:94.44.2.10');
    if (maxCredit !== undefined && amount > maxCredit) {
      this.rt.raise(ALERT_CODE.utrnExceedsMaxCredit, call);
      return fail(DAR.otherReason);
    }
    const maxBalance = this.extValue('0-0:94.44.2.20');
    if (maxBalance !== undefined && this.account.meterBalance + amount > maxBalance) {
      this.rt.raise(ALERT_CODE.exceedsMaxMeterBalance, call);
      return fail(DAR.otherReason);
    }
    const rate = num(this.rt.directory.find(113, o('0-0:19.20.3.255'))?.attrs.get(13)) ?? 0;
    this.account.topUp(amount, rate);
    this.account.lastTopUpCounter = counter;
    this.account.recentUtrns.push(token.utrn);
    if (this.account.recentUtrns.length > 5) this.account.recentUtrns.shift();
    this.logs.credits.capture(struct(s2000(call.now.getTime()), i32(amount)));
    const gw = this.rt.directory.find(115, o('0-0:19.40.0.255'));
    gw?.attrs.set(2, os(Buffer.from(token.utrn, 'ascii').toString('hex')));
    gw?.attrs.set(3, dtAt(call.now));
    if (local) this.rt.raise(ALERT_CODE.creditAddedLocally, call);
    // A meter disabled for lack of credit arms once the credit is back; the consumer then re-enables it.
    if (this.supply === 'disabled' && this.account.mode === 'prepayment' && this.account.available() >= (this.extValue('0-0:94.44.128.22') ?? 0)) {
      this.setSupply('armed', call);
      this.rt.raise(ALERT_CODE.supplyArmed, call);
    }
    return ok();
  }

  /** The consumer types a top-up code on the meter's keypad (what GNCA 810E reports). */
  localTopUp(pounds: number, call: Call): Outcome {
    const anchor = call.device.trust.get(ROLE.supplier, 'ka-topup');
    if (!anchor) return fail(DAR.otherReason);
    const counter = ((this.account.lastTopUpCounter >> 32n) + 1n) << 32n;
    const utrn = makeUtrn({ key: call.device.keyAgreementSecret(anchor.publicKey), supplier: anchor.eui, device: this.rt.eui, counter, value: pounds, valueClass: 'pounds' });
    return this.enterToken(utrn, call, true);
  }

  // --- events --------------------------------------------------------------------------------------

  event(messageCode: number, body: DlmsData[], decrypted: unknown[], call: Call, alert: SigningFrame): boolean {
    const code = num(body[0]);
    switch (messageCode) {
      case 0x1000:
      case 0x1001:
        return code !== undefined && this.genericEvent(code, call);
      case ALERT_MESSAGE.outageRestored: {
        const from = instantOf(body[2]);
        const to = instantOf(body[3]);
        if (from === undefined || to === undefined) return false;
        this.outage(from, to, call);
        return true;
      }
      case ALERT_MESSAGE.billingDataLog: {
        const rows = items(items(decrypted[0] as DlmsData | undefined)[0]);
        const row = rows.at(-1);
        if (row) this.absorbBillingRow(row);
        this.billingAlert(call, call.now.getTime());
        return true;
      }
      case ALERT_MESSAGE.meterIntegrity: {
        const b = octets(body[2]);
        if (!b || b.length !== 2) return false;
        this.integrityIssue((b[0]! << 8) | b[1]!, call);
        return true;
      }
      case ALERT_MESSAGE.ecs100: {
        const b = octets(body[2]);
        if (!b || b.length !== 10) return false;
        const view = new DataView(b.buffer, b.byteOffset);
        const oi = alert.header.otherInfo;
        const relay = oi.form === 'supplementary' ? { party: oi.remotePartyId, counter: oi.remotePartyCounter } : undefined;
        this.commandNotice(view.getUint16(0), view.getBigUint64(2), call, relay);
        return true;
      }
      case ALERT_MESSAGE.ecs101: {
        const [channel, from, to, level] = [num(body[2]), instantOf(body[3]), instantOf(body[4]), num(body[5])];
        if (channel === undefined || from === undefined || to === undefined || level === undefined) return false;
        this.apcDemand(channel, from, to, level, call);
        return true;
      }
      case ALERT_MESSAGE.ecs200: {
        const text = body[2]?.type === 'utf8-string' ? body[2].value : undefined;
        if (!text) return false;
        let state: { outputState?: string; inputState?: string; 'other-data'?: string };
        try {
          state = JSON.parse(text) as typeof state;
        } catch {
          return false;
        }
        const party = alert.header.otherInfo.form === 'code+eui' ? alert.header.otherInfo.eui : undefined;
        this.apcStateChanged(Number(state.outputState ?? 0), Number(state.inputState ?? 0), state['other-data'] ?? '', call, party);
        return true;
      }
      default:
        return false;
    }
  }

  private genericEvent(code: number, call: Call): boolean {
    switch (code) {
      case ALERT_CODE.creditAddedLocally:
        return this.localTopUp(5, call).result === DAR.success;
      case ALERT_CODE.noAuthority:
        // A command from a party whose role may not send it: the device logs it and tells the supplier.
        this.logs.security.capture(eventRow(call.now, code));
        this.rt.raise(code, call);
        return true;
      default:
        return false;
    }
  }

  /**
   * Supply lost at `from` and back at `to`: both go in the power event log; the restoration alert
   * (ECS80) goes to the network operator, with the long-outage code from three minutes.
   */
  outage(from: number, to: number, call: Call): void {
    this.logs.power.capture(eventRow(new Date(from), ALERT_CODE.supplyInterrupted));
    const code = to - from >= 180_000 ? ALERT_CODE.outageRestoredLong : ALERT_CODE.outageRestored;
    this.logs.power.capture(eventRow(new Date(to), code));
    const at = call.now;
    call.alert({
      messageCode: ALERT_MESSAGE.outageRestored,
      alertCode: code,
      to: ROLE.networkOperator,
      critical: true,
      payload: (counter) => plainAlert(counter, code, at, dtAt(new Date(from)), dtAt(new Date(to))),
    });
  }

  integrityIssue(integrityCode: number, call: Call): void {
    this.logs.event.capture(eventRow(call.now, ALERT_CODE.integrityWarning));
    const at = call.now;
    call.alert({
      messageCode: ALERT_MESSAGE.meterIntegrity,
      alertCode: ALERT_CODE.integrityWarning,
      to: ROLE.supplier,
      critical: false,
      payload: (counter) => plainAlert(counter, ALERT_CODE.integrityWarning, at, os(integrityCode.toString(16).padStart(4, '0'))),
    });
  }

  /** ECS100: the meter reports a remote party command it acted on (message code and originator counter). */
  commandNotice(messageCode: number, counter: bigint, call: Call, relay?: { party: Eui64; counter: bigint }): void {
    const at = call.now;
    const ref = `${messageCode.toString(16).padStart(4, '0')}${counter.toString(16).padStart(16, '0')}`;
    call.alert({
      messageCode: ALERT_MESSAGE.ecs100,
      alertCode: 0x8f85,
      to: relay ? ROLE.acb : ROLE.supplier,
      critical: true,
      ...(relay ? { otherInfo: { form: 'supplementary' as const, messageCode: ALERT_MESSAGE.ecs100, remotePartyId: relay.party, remotePartyCounter: relay.counter } } : {}),
      payload: (c) => plainAlert(c, 0x8f85, at, os(ref)),
    });
  }

  /** ECS101: an auxiliary proportional controller channel is asked for a level over a period. */
  apcDemand(channel: number, from: number, to: number, level: number, call: Call): void {
    const at = call.now;
    call.alert({
      messageCode: ALERT_MESSAGE.ecs101,
      alertCode: 0x8f86,
      to: ROLE.supplier,
      critical: true,
      payload: (c) => plainAlert(c, 0x8f86, at, u8(channel), dtAt(new Date(from)), dtAt(new Date(to)), u8(level)),
    });
  }

  /** ECS200: the auxiliary proportional controller changed state; the load controller is named. */
  apcStateChanged(output: number, input: number, other: string, call: Call, party?: Eui64): void {
    const text = JSON.stringify({ outputState: String(output), inputState: String(input), 'other-data': other });
    this.rt.directory.find(1, o('0-0:94.44.0.31'))?.attrs.set(2, { type: 'utf8-string', value: JSON.stringify({ outputState: output, inputState: input }) });
    const loadController = party ?? call.device.trust.partyFor(ROLE.loadController);
    const at = call.now;
    call.alert({
      messageCode: ALERT_MESSAGE.ecs200,
      alertCode: 0x8f88,
      to: ROLE.supplier,
      critical: true,
      ...(loadController ? { otherInfo: { form: 'code+eui' as const, messageCode: ALERT_MESSAGE.ecs200, eui: loadController } } : {}),
      payload: (c) => plainAlert(c, 0x8f88, at, { type: 'utf8-string', value: text }),
    });
  }

  /** ECS68: the billing data log gained a row; the row goes to the supplier encrypted. */
  private billingAlert(call: Call, at: number): void {
    const row = this.logs.billing.latest(at);
    const device = call.device;
    const supplier = device.trust.get(ROLE.supplier, 'ka');
    if (!row || !supplier) return;
    const plain = encodeDlmsData(struct({ type: 'compact-array', description: describe(row), rows: [row] }));
    const raisedAt = call.now;
    call.alert({
      messageCode: ALERT_MESSAGE.billingDataLog,
      alertCode: ALERT_CODE.billingDataLogUpdated,
      to: ROLE.supplier,
      critical: true,
      payload: (counter) => {
        const header = { cra: 'alert' as const, counter, originator: this.rt.eui, target: supplier.eui, dateTime: null, otherInfo: { form: 'code' as const, messageCode: ALERT_MESSAGE.billingDataLog } };
        const block = encryptPart(device.keyAgreementSecret(supplier.publicKey), header, plain);
        return notification(
          counter,
          struct(u16(ALERT_CODE.billingDataLogUpdated), dtAt(raisedAt), protectionParameters(transactionIdFor(counter), this.rt.eui, supplier.eui), cipheredOctets(block)),
        );
      },
    });
  }

  // --- state from reference readings ------------------------------------------------------------------

  private absorbBillingRow(row: DlmsData): void {
    const f = items(row);
    const twin = f.length === 9;
    this.metering.twin = twin;
    const t = this.metering.totals;
    t.import = num(f[1]) ?? t.import;
    let i = 2;
    if (twin) t.importSecondary = num(f[i++]) ?? t.importSecondary;
    t.tou = fill(items(f[i++]), TOU_RATES, t.tou);
    if (twin) t.touSecondary = fill(items(f[i++]), SECONDARY_RATES, t.touSecondary);
    for (let b = 0; b < 4; b++) {
      const vals = items(f[i++]);
      vals.forEach((v, r) => (t.blocks[b * BLOCK_RATES + r] = num(v) ?? 0));
    }
  }

  // --- catalogue --------------------------------------------------------------------------------------

  private calendarTables(calendar: string, special: string) {
    const cal = this.rt.directory.find(20, o(calendar));
    return {
      seasons: cal?.attrs.get(3),
      weeks: cal?.attrs.get(4),
      days: cal?.attrs.get(5),
      specialDays: this.rt.directory.find(11, o(special))?.attrs.get(2),
    };
  }

  private billingInstants(from: number, to: number, limit: number): number[] {
    const times = items(this.rt.directory.find(22, o('0-0:15.0.0.255'))?.attrs.get(4));
    const out: number[] = [];
    for (let d = Math.floor(from / DAY_MS); d * DAY_MS <= to; d++) {
      const date = new Date(d * DAY_MS);
      for (const e of times) {
        const [time, day] = items(e).map(octets);
        if (!time || !day || day.length < 5 || time.length < 3) continue;
        const year = (day[0]! << 8) | day[1]!;
        if (year !== 0xffff && year !== date.getUTCFullYear()) continue;
        if (day[2] !== 0xff && day[2] !== date.getUTCMonth() + 1) continue;
        if (day[3] !== 0xff && day[3] !== date.getUTCDate()) continue;
        if (day[4] !== 0xff && day[4] !== ((date.getUTCDay() + 6) % 7) + 1) continue;
        const t = d * DAY_MS + (time[0] === 0xff ? 0 : time[0]!) * 3_600_000 + (time[1] === 0xff ? 0 : time[1]!) * 60_000 + (time[2] === 0xff ? 0 : time[2]!) * 1000;
        if (t >= from && t <= to) out.push(t);
      }
    }
    return out.sort((a, b) => a - b).slice(-limit);
  }

  private billingRow(t: number): DlmsData {
    const x = this.metering.totalsAt(t - this.rt.env.shared.clockOffsetMs);
    const twin = this.metering.twin;
    const blocks: DlmsData[] = [];
    for (let b = 0; b < 4; b++) blocks.push(arr(x.blocks.slice(b * BLOCK_RATES, (b + 1) * BLOCK_RATES).map(u32)));
    return struct(
      s2000(t),
      u32(x.import),
      ...(twin ? [u32(x.importSecondary)] : []),
      arr(x.tou.map(u32)),
      ...(twin ? [arr(x.touSecondary.map(u32))] : []),
      ...blocks,
    );
  }

  private build() {
    const rt = this.rt;
    const d = rt.directory;
    const m = this.metering;
    const acct = this.account;
    const common = commonObjects(rt, { deviceType: '42', model: '534D4554532D53494D2D45534D45', manufacturer: '534D53' });
    const sim = (call?: Call) => (call ? rt.simTime(call) : m.t);
    const dev = (simMs: number) => simMs + rt.env.shared.clockOffsetMs;

    // --- class 1: configuration and identity -----------------------------------------------------------
    const data = (obisText: string, value: DlmsData, readOnly = false) => d.add(new Obj(1, o(obisText), { 2: value }, readOnly ? { readOnly: [2] } : {}));
    data('0-0:94.44.0.0', u16(1800));
    data('0-0:94.44.0.1', u16(900));
    data('0-0:94.44.0.2', u16(0));
    data('0-0:94.44.0.4', bool(false));
    for (let n = 1; n <= 5; n++) {
      data(`0-0:94.44.0.${10 + n}`, vs(''));
      data(`0-0:94.44.0.${20 + n}`, os('0000000000000000'));
      data(`0-0:94.44.0.${30 + n}`, { type: 'utf8-string', value: '{"outputState": 0, "inputState": 0}' });
      data(`0-0:94.44.6.${n}`, bool(false));
      for (const g of [117, 119, 121]) data(`0-0:94.44.${g}.${n}`, u16(0));
    }
    data('0-0:94.44.7.255', bool(false));
    data('0-0:94.44.3.1', os('00000000'));
    data('0-0:94.44.3.2', dtAt(new Date(this.installedAt)));
    data('0-0:94.44.34.11', os(Buffer.from('1000000000000', 'ascii').toString('hex')));
    data('1-0:0.0.2.255', os(''));
    data('0-0:94.44.5.0', dtAt(new Date(dev(this.installedAt))));
    data('0-0:94.44.5.1', dtAt(new Date(dev(this.installedAt))));
    data('0-2:96.13.1.255', os(''));
    data('0-3:96.13.1.255', os(''));
    for (const phase of [32, 52, 72]) {
      data(`1-0:${phase}.31.0.4`, u32(207));
      data(`1-0:${phase}.35.0.4`, u32(253));
    }
    behaviourObjects(rt, 30);
    behaviourObjects(rt, 33);

    // Register collections: one Data object whose value is several registers at once (ECS17b/d/e/c, ECS19).
    d.add(
      new Obj(1, o('0-0:94.44.34.10'), {}, {
        readOnly: [2],
        read: {
          2: () => {
            const t = m.totals;
            return struct(u32(t.import), scalerUnit(0, 30), u32(t.reactiveImport), scalerUnit(0, 32), ...(m.twin ? [u32(t.importSecondary)] : []));
          },
        },
        absorb: {
          2: (v) => {
            const f = items(v);
            const t = m.totals;
            t.import = num(f[0]) ?? t.import;
            t.reactiveImport = num(f[2]) ?? t.reactiveImport;
            m.twin = f.length >= 5;
            if (m.twin) t.importSecondary = num(f[4]) ?? t.importSecondary;
          },
        },
      }),
    );
    d.add(
      new Obj(1, o('0-0:94.44.34.1'), {}, {
        readOnly: [2],
        read: { 2: () => struct(arr(m.totals.tou.map(u32)), ...(m.twin ? [arr(m.totals.touSecondary.map(u32))] : [])) },
        absorb: {
          2: (v) => {
            const f = items(v);
            m.totals.tou = fill(items(f[0]), TOU_RATES, m.totals.tou);
            m.twin = f.length >= 2;
            if (m.twin) m.totals.touSecondary = fill(items(f[1]), SECONDARY_RATES, m.totals.touSecondary);
          },
        },
      }),
    );
    d.add(
      new Obj(1, o('0-0:94.44.34.2'), {}, {
        readOnly: [2],
        read: { 2: () => struct(arr(m.totals.blocks.map(u32))) },
        absorb: { 2: (v) => (m.totals.blocks = fill(items(items(v)[0]), BLOCKS * BLOCK_RATES, m.totals.blocks)) },
      }),
    );
    d.add(
      new Obj(1, o('0-0:94.44.34.20'), {}, {
        readOnly: [2],
        read: {
          2: (call) => {
            const at = sim(call);
            const seeded = this.powerReading && this.powerReading.at === at ? this.powerReading.values : undefined;
            const imp = seeded?.[0] ?? (this.supply === 'enabled' ? m.primary.powerW(at) : 0);
            const exp = seeded?.[1] ?? m.primary.exportWh(at) * 2;
            return struct(u32(imp), scalerUnit(0, 27), u32(exp));
          },
        },
        absorb: { 2: (v) => (this.powerReading = { at: m.t, values: [num(items(v)[0]) ?? 0, num(items(v)[2]) ?? 0] }) },
      }),
    );
    d.add(
      new Obj(1, o('0-0:94.44.34.30'), {}, {
        readOnly: [2],
        read: { 2: () => prepaymentValues(acct.registers()) },
        absorb: {
          2: (v) => {
            const f = items(v).map((x) => num(x) ?? 0);
            acct.setRegisters({ meterBalance: f[0]!, emergencyCreditBalance: f[1]!, accumulatedDebt: f[2]!, paymentDebt: f[3]!, timeDebt1: f[4]!, timeDebt2: f[5]! });
          },
        },
      }),
    );

    // --- class 3 / 4: registers --------------------------------------------------------------------------
    const energy = (obisText: string, unit: number, key: 'import' | 'export' | 'reactiveImport' | 'reactiveExport') =>
      d.add(
        new Obj(3, o(obisText), { 3: scalerUnit(0, unit) }, {
          readOnly: [2, 3],
          read: { 2: () => u32(m.totals[key]) },
          absorb: { 2: (v) => (m.totals[key] = num(v) ?? m.totals[key]) },
        }),
      );
    energy('1-0:1.8.0.255', 30, 'import');
    energy('1-0:2.8.0.255', 30, 'export');
    energy('1-0:3.8.0.255', 32, 'reactiveImport');
    energy('1-0:4.8.0.255', 32, 'reactiveExport');
    d.add(new Obj(3, o('0-0:94.44.1.7'), { 2: u32(0), 3: scalerUnit(-5, 254) }));
    d.add(new Obj(3, o('0-0:94.44.1.8'), { 2: u32(0), 3: scalerUnit(-5, 254) }));
    const counter = (obisText: string) => {
      const c: Obj = new Obj(3, o(obisText), { 2: u32(0), 3: scalerUnit(0, 255) }, {
        readOnly: [2, 3],
        methods: {
          1: (p) => {
            if (!p || p.type === 'null' || num(p) === undefined) return fail(DAR.typeUnmatched);
            c.attrs.set(2, u32(0));
            return ok();
          },
        },
      });
      return d.add(c);
    };
    for (const phase of [32, 52, 72]) for (const k of [32, 36]) counter(`1-0:${phase}.${k}.0.4`);
    counter('0-0:94.44.42.255');
    const demand = (obisText: string, key: 'import' | 'importSecondary' | 'export') =>
      d.add(
        new Obj(4, o(obisText), { 3: scalerUnit(0, 27) }, {
          readOnly: [2, 3, 5],
          read: { 2: () => u32(m.demand[key].value), 5: () => dtAt(new Date(dev(m.demand[key].at))) },
          absorb: {
            2: (v) => (m.demand[key].value = num(v) ?? 0),
            5: (v) => {
              const t = instantOf(v);
              if (t !== undefined) m.demand[key].at = t - rt.env.shared.clockOffsetMs;
            },
          },
          methods: {
            1: (_p, call) => {
              m.demand[key].value = 0;
              m.demand[key].at = sim(call);
              return ok();
            },
          },
        }),
      );
    demand('1-0:1.6.0.255', 'import');
    demand('1-0:1.6.1.255', 'importSecondary');
    demand('1-0:2.6.0.255', 'export');

    // --- class 7: logs and profiles ---------------------------------------------------------------------
    const since = () => dev(this.installedAt);
    const event = (obisText: string, template: DlmsData, depth = 200) => d.add(new ProfileGeneric(o(obisText), template, depth));
    const evTemplate = eventRow(new Date(EPOCH), 0);
    const power = event('0-0:99.98.4.255', evTemplate);
    const alcsLog = event('0-17:99.98.2.255', struct(u32(0), u16(0), enm(0), u32(0)));
    const boost = event('0-0:99.98.20.255', struct(u32(0), u32(0)));
    const credits = event('0-0:98.1.5.255', struct(u32(0), i32(0)), 100);
    const debtPayments = event('0-0:98.1.4.255', struct(u32(0), i32(0)), 100);
    const billingPrepayment = event('0-0:98.1.1.255', prepaymentRow(EPOCH, acct.registers()), 13);
    const prepaymentDaily = event('0-0:98.1.8.255', prepaymentRow(EPOCH, acct.registers()), 31);
    const hh = (t: number, f: (x: number) => number, p: ConsumptionProfile) => Math.round(p.integrate(f, t - HALF_HOUR_MS, t));
    const toSim = (t: number) => t - rt.env.shared.clockOffsetMs;
    d.add(
      new ProfileGeneric(o('0-0:99.1.0.255'), struct(u32(0), u32(0)), HH_DEPTH, {
        ...everySeconds(() => 1800, since),
        row: (t) => struct(s2000(t), u32(hh(toSim(t), m.primary.importWh, m.primary)), ...(m.twin ? [u32(hh(toSim(t), m.secondary.importWh, m.secondary))] : [])),
      }),
    );
    d.add(
      new ProfileGeneric(o('0-0:99.1.1.255'), struct(u32(0), u32(0), u32(0)), HH_DEPTH, {
        ...everySeconds(() => 1800, since),
        row: (t) => struct(s2000(t), u32(hh(toSim(t), m.primary.exportWh, m.primary)), u32(hh(toSim(t), m.primary.reactiveExportVarh, m.primary))),
      }),
    );
    d.add(
      new ProfileGeneric(o('0-0:99.1.2.255'), struct(u32(0), u32(0)), HH_DEPTH, {
        ...everySeconds(() => 1800, since),
        row: (t) => struct(s2000(t), u32(hh(toSim(t), m.primary.reactiveImportVarh, m.primary))),
      }),
    );
    d.add(
      new ProfileGeneric(o('0-0:99.1.3.255'), struct(u32(0), u32(0)), 731, {
        ...everySeconds(() => 86400, since),
        row: (t) => struct(s2000(t), u32(m.primary.integrate(m.primary.importWh, toSim(t) - DAY_MS, toSim(t)))),
      }),
    );
    const registerAt = (t: number, key: 'import' | 'export') => {
      const p = m.primary;
      const f = key === 'import' ? p.importWh : p.exportWh;
      return m.totals[key] - p.integrate(f, Math.min(toSim(t), m.t), m.t);
    };
    d.add(
      new ProfileGeneric(o('0-0:98.1.9.255'), struct(u32(0), u32(0)), 731, {
        ...everySeconds(() => 86400, since),
        row: (t) => struct(s2000(t), u32(registerAt(t, 'import'))),
      }),
    );
    d.add(
      new ProfileGeneric(o('0-0:98.1.10.255'), struct(u32(0), u32(0)), 731, {
        ...everySeconds(() => 86400, since),
        row: (t) => struct(s2000(t), u32(registerAt(t, 'export'))),
      }),
    );
    const billing = d.add(
      new ProfileGeneric(o('0-0:98.1.0.255'), this.billingRowTemplate(), 13, {
        period: () => 0,
        instants: (from, to, limit) => this.billingInstants(Math.max(from, since(), to - 400 * DAY_MS), to, limit),
        row: (t) => this.billingRow(t),
      }),
    );
    for (const phase of [32, 52, 72]) {
      let self: ProfileGeneric | undefined;
      const period = () => num(self?.attrs.get(4)) ?? 3600;
      const offset = phase === 32 ? 0 : phase === 52 ? -1.5 : 1.2;
      self = d.add(
        new ProfileGeneric(o(`1-0:${phase}.24.0.255`), struct(u32(0), u32(0)), 1440, {
          ...everySeconds(period, since),
          row: (t) => struct(s2000(t), u32(m.primary.voltage(toSim(t)) + offset)),
        }),
      );
      self.attrs.set(4, u32(3600));
    }

    // --- class 8/9: clock (common) and script tables -----------------------------------------------------
    d.add(
      new Obj(9, o('0-0:10.0.100.255'), { 2: arr([]) }, {
        methods: {
          1: (p) => {
            const id = num(p);
            if (p.type !== 'uint16' || id === undefined) return fail(DAR.typeUnmatched);
            if (id === 99) {
              m.resetBlockCounters();
              return ok();
            }
            // Tariff switching scripts: the calendar runs them; running one by hand changes nothing.
            return (id >= 1 && id <= 48) || (id >= 101 && id <= 108) || (id >= 201 && id <= 204) ? ok() : fail(DAR.otherReason);
          },
        },
      }),
    );
    d.add(
      new Obj(9, o('0-0:10.0.106.255'), { 2: arr([]) }, {
        methods: {
          1: (p, call) => {
            const id = num(p);
            if (p.type !== 'uint16' || id === undefined) return fail(DAR.typeUnmatched);
            // GBCS load switch scripts: 51 close (ECS42), 52 open (ECS43), 54 arm (ECS44).
            if (id === 51) this.setSupply('enabled', call);
            else if (id === 52) this.setSupply('disabled', call);
            else if (id === 54) this.setSupply('armed', call);
            else return fail(DAR.otherReason);
            return ok();
          },
        },
      }),
    );
    const alcsScripts = (obisText: string) =>
      d.add(
        new Obj(9, o(obisText), { 2: arr([]) }, {
          methods: {
            1: (p, call) => {
              const id = num(p);
              if (p.type !== 'uint16' || id === undefined) return fail(DAR.typeUnmatched);
              return this.runAlcsScript(id, call);
            },
          },
        }),
      );
    alcsScripts('0-0:10.0.103.255');
    alcsScripts('0-0:10.0.107.255');

    // --- class 10/11/20: calendars -----------------------------------------------------------------------
    const scheduleEntry = (idx: number, script: string, sel: number, time: string) =>
      struct(u16(idx), bool(true), os(script), u16(sel), os(time), u16(0xffff), zeroBitsN(7, 'FE'), zeroBits(0), os('FFFFFFFFFF'), os('FFFFFFFFFF'));
    for (const b of [0, 1]) {
      d.add(new Obj(10, o(`0-${b}:12.0.1.255`), { 2: arr([scheduleEntry(1, '00000A006AFF', 32, '00000000')]) }));
      d.add(new Obj(10, o(`0-${b}:12.0.2.255`), { 2: arr([scheduleEntry(1, '00000A0067FF', 257, '07000000')]) }));
      for (let k = 0; k <= 3; k++) d.add(new Obj(11, o(`0-${b}:11.0.${k}.255`), { 2: arr([struct(u16(1), os('FFFF0C19FF'), u8(1))]) }, { changed: { 2: this.calendarChanged } }));
    }
    d.add(new Obj(10, o('0-0:12.0.0.255'), { 2: arr([scheduleEntry(1, '00000A8064FF', 1, '11000000')]) }));
    for (const [obisText, selector] of [
      ['0-0:13.0.0.255', 1],
      ['0-0:13.0.1.255', 201],
    ] as const) {
      const seasons = arr([struct(os('616C6C'), dtAt(new Date(Date.UTC(2014, 0, 1))), os('01'))]);
      const weeks = arr([struct(os('01'), u8(1), u8(1), u8(1), u8(1), u8(1), u8(1), u8(1))]);
      const days = arr([struct(u8(1), arr([struct(os('00000000'), os('00000A0064FF'), u16(selector))]))]);
      const w = this.calendarChanged;
      d.add(
        new Obj(20, o(obisText), { 2: os('616374697665'), 3: seasons, 4: weeks, 5: days, 6: os('70617373697665'), 7: seasons, 8: weeks, 9: days, 10: never() }, { changed: { 3: w, 4: w, 5: w } }),
      );
      rt.defineActivation({
        trigger: ref(20, obisText, 10),
        transfers: [2, 3, 4, 5].map((a) => ({ from: ref(20, obisText, a + 4), to: ref(20, obisText, a) })),
      });
    }

    // --- class 21/22: register monitors and single-action schedules --------------------------------------
    d.add(new Obj(21, o('0-0:16.0.0.255'), { 2: arr([u32(2300), u32(4600)]), 3: struct(u16(1), os(o('0-0:94.44.34.20')), i8(2)) }));
    d.add(new Obj(21, o('0-0:16.0.1.255'), { 2: arr([i32(-500000)]), 3: struct(u16(112), os(o('0-0:19.10.0.255')), i8(2)) }));
    const thresholdTransfers: Transfer[] = [];
    for (let r = 1; r <= 8; r++) {
      const obisText = `0-0:16.1.${10 + r}.255`;
      d.add(new Obj(21, o(obisText), { 2: arr([u32(0xffffffff)]) }));
      thresholdTransfers.push({ from: ref(21, obisText, 2), to: ref(21, obisText, 2) });
    }
    d.add(new Obj(22, o('0-0:15.0.0.255'), { 2: struct(os('00000A0064FF'), u16(1)), 3: enm(1), 4: arr([struct(os('00000000'), os('FFFFFF01FF'))]) }));
    d.add(new Obj(22, o('0-0:15.1.0.255'), { 2: struct(os('00000A0064FF'), u16(99)), 3: enm(1), 4: arr([struct(os('00000000'), os('FFFFFFFFFF'))]) }));

    // --- class 30: protected reads --------------------------------------------------------------------------
    const protect = (n: number, refs: Array<[number, string]>) =>
      d.add(new DataProtection(o(`0-0:43.2.${n}.255`), d, rt.eui, refs.map(([classId, obisText]) => ({ classId, obis: o(obisText), attr: 2 }))));
    protect(1, [[1, '0-0:94.44.34.30']]);
    protect(2, [
      [7, '0-0:98.1.0.255'],
      [7, '0-0:98.1.1.255'],
    ]);
    protect(3, []);
    protect(4, [[7, '0-0:99.1.3.255']]);
    protect(5, []);
    protect(6, [[7, '0-0:98.1.8.255']]);
    protect(7, [[7, '0-0:99.1.0.255']]);
    protect(8, [[1, '0-0:94.44.34.10']]);
    protect(9, [[1, '0-0:94.44.34.1']]);
    protect(10, [[1, '0-0:94.44.34.2']]);

    // --- class 70/71: switches and limiters -----------------------------------------------------------------
    const controlState = () => (this.supply === 'enabled' ? 1 : this.supply === 'armed' ? 2 : 0);
    d.add(
      new Obj(70, o('0-0:96.3.10.255'), { 4: enm(3) }, {
        readOnly: [2, 3],
        read: { 2: () => bool(this.supply === 'enabled'), 3: () => enm(controlState()) },
        absorb: {
          2: (v) => v.type === 'boolean' && (this.supply = v.value ? 'enabled' : this.supply === 'enabled' ? 'disabled' : this.supply),
          3: (v) => (this.supply = num(v) === 1 ? 'enabled' : num(v) === 2 ? 'armed' : 'disabled'),
        },
        methods: {
          1: (_p, call) => {
            this.setSupply('disabled', call);
            return ok();
          },
          2: (_p, call) => {
            this.setSupply('armed', call);
            return ok();
          },
        },
      }),
    );
    for (let n = 1; n <= 5; n++) {
      d.add(
        new Obj(70, o(`0-${n}:96.3.10.255`), { 4: enm(1) }, {
          readOnly: [2, 3],
          read: { 2: () => bool(this.alcs[n - 1]!), 3: () => enm(this.alcs[n - 1] ? 1 : 0) },
          absorb: { 2: (v) => v.type === 'boolean' && (this.alcs[n - 1] = v.value), 3: (v) => (this.alcs[n - 1] = num(v) === 1) },
        }),
      );
    }
    d.add(new Obj(71, o('0-0:17.0.0.255'), { 2: struct(u16(1), os(o('0-0:94.44.34.20')), i8(2)), 3: u32(0), 4: u32(0), 5: u32(0), 6: u32(30), 7: u32(30) }));
    for (const [n, normal] of [
      [1, 253],
      [2, 207],
      [3, 216],
      [4, 264],
    ] as const) {
      d.add(new Obj(71, o(`0-0:17.0.${n}.255`), { 2: struct(u16(3), os(o('1-0:32.7.0.255')), i8(2)), 3: u32(normal), 4: u32(normal), 5: u32(normal), 6: u32(30), 7: u32(30) }));
    }

    // --- class 111-115: prepayment ---------------------------------------------------------------------------
    const creditConfig = arr([struct(os(o('0-0:19.10.0.255')), os(o('0-0:19.20.0.255')), { type: 'bit-string', bits: 3, hex: 'E0' })]);
    const modeValue = () => struct(enm(acct.mode === 'prepayment' ? 2 : 1), enm(acct.status));
    const setMode = (v: DlmsData, call?: Call) => {
      const [mode, status] = items(v).map(num);
      if (mode !== 1 && mode !== 2) return DAR.otherReason;
      acct.mode = mode === 2 ? 'prepayment' : 'credit';
      if (status !== undefined) acct.status = status;
      if (call) this.checkCredit(call);
      return DAR.success;
    };
    d.add(
      new Obj(111, o('0-0:19.0.0.255'), { 11: creditConfig, 13: never(), 16: i32(500000), 18: u16(10000), 19: i32(604800) }, {
        read: { 2: () => modeValue() },
        write: { 2: setMode },
        absorb: { 2: (v) => setMode(v) },
      }),
    );
    d.add(new Obj(111, o('0-1:19.0.0.255'), { 2: struct(enm(1), enm(2)), 11: creditConfig, 13: never() }));
    rt.defineActivation({
      trigger: ref(111, '0-1:19.0.0.255', 13),
      transfers: [
        { from: ref(111, '0-1:19.0.0.255', 2), to: ref(111, '0-0:19.0.0.255', 2) },
        { from: ref(111, '0-1:19.0.0.255', 11), to: ref(111, '0-0:19.0.0.255', 11) },
      ],
    });
    const credit = (obisText: string, key: 'meterBalance' | 'emergencyCreditBalance' | 'accumulatedDebt', extra: Record<number, DlmsData>, invoke?: (call: Call) => Outcome) =>
      d.add(
        new Obj(112, o(obisText), { 3: enm(key === 'meterBalance' ? 0 : key === 'emergencyCreditBalance' ? 2 : 1), 4: u8(1), 5: i32(0), 6: i32(0), 8: enm(1), ...extra }, {
          readOnly: [2],
          read: { 2: () => i32(acct[key]) },
          absorb: { 2: (v) => (acct[key] = num(v) ?? acct[key]) },
          methods: {
            // update_amount: add to the credit (ECS04a adjusts the meter balance by it).
            1: (p, call) => {
              const v = num(p);
              if (p.type !== 'int32' || v === undefined) return fail(DAR.typeUnmatched);
              const max = this.extValue('0-0:94.44.2.20');
              if (key === 'meterBalance' && max !== undefined && acct.meterBalance + v > max) {
                this.rt.raise(ALERT_CODE.exceedsMaxMeterBalance, call);
                return fail(DAR.otherReason);
              }
              acct[key] += v;
              this.checkCredit(call);
              return ok();
            },
            // set_amount_to_value (ECS04b resets the balances to zero).
            2: (p, call) => {
              const v = num(p);
              if (p.type !== 'int32' || v === undefined) return fail(DAR.typeUnmatched);
              acct[key] = v;
              this.checkCredit(call);
              return ok();
            },
            3: (_p: DlmsData, call: Call) => (invoke ? invoke(call) : fail(DAR.objectUndefined)),
          },
        }),
      );
    credit('0-0:19.10.0.255', 'meterBalance', { 9: i32(0), 10: i32(0) });
    credit('0-0:19.10.1.255', 'emergencyCreditBalance', { 9: i32(15 * POUND), 10: i32(POUND) }, (call) => this.activateEmergencyCredit(call));
    credit('0-0:19.10.2.255', 'accumulatedDebt', { 9: i32(0), 10: i32(0) });
    const unitCharge = (scaleCommodity: number, target: string, entries: DlmsData[]) =>
      struct(struct(i8(scaleCommodity), i8(-5)), struct(u16(scaleCommodity === 0 ? 0 : 3), os(target), i8(scaleCommodity === 0 ? 0 : 2)), arr(entries));
    const priceMatrix = (n: number, price: number) => Array.from({ length: n }, (_, i) => struct(os((i + 1).toString(16).padStart(2, '0')), i16(price)));
    const charges: Array<[string, DlmsData]> = [
      ['0-0:19.20.0.255', unitCharge(3, o('1-0:1.8.0.255'), priceMatrix(48, 2500))],
      ['0-0:19.20.1.255', unitCharge(0, '000000000000', [struct(os(''), i16(0))])],
      ['0-0:19.20.2.255', unitCharge(0, '000000000000', [struct(os(''), i16(0))])],
      ['0-0:19.20.3.255', unitCharge(0, '000000000000', [struct(os(''), i16(0))])],
      ['0-0:19.20.4.255', unitCharge(0, '000000000000', [struct(os(''), i16(25000))])],
      ['0-0:19.20.5.255', unitCharge(3, o('1-20:1.8.0.255'), priceMatrix(4, 2000))],
    ];
    for (const [obisText, value] of charges) {
      d.add(new Obj(113, o(obisText), { 2: i32(0), 3: enm(obisText.endsWith('4.255') ? 1 : 2), 4: u8(1), 5: value, 6: value, 7: never(), 8: u32(86400), 13: u16(0) }));
      rt.defineActivation({ trigger: ref(113, obisText, 7), transfers: [{ from: ref(113, obisText, 6), to: ref(113, obisText, 5) }] });
    }
    d.add(
      new Obj(115, o('0-0:19.40.0.255'), { 2: os(''), 3: never(), 4: arr([]), 5: enm(1), 6: struct(enm(0), zeroBits(8)) }, {
        readOnly: [2, 3],
        methods: {
          1: (p, call) => {
            if (p.type !== 'octet-string') return fail(DAR.typeUnmatched);
            const text = Buffer.from(p.hex, 'hex').toString('latin1');
            return this.enterToken(text, call);
          },
        },
      }),
    );

    // --- class 9000: GBCS extended data, with passive values and activation date-times ------------------------
    const ext = (obisText: string, value: DlmsData, passive = true) => {
      d.add(new Obj(9000, o(obisText), passive ? { 2: value, 4: value, 6: never() } : { 2: value }));
      if (passive) rt.defineActivation({ trigger: ref(9000, obisText, 6), transfers: [{ from: ref(9000, obisText, 4), to: ref(9000, obisText, 2) }] });
    };
    ext('0-0:94.44.2.0', bool(true));
    ext('0-0:94.44.2.10', i32(50 * POUND));
    ext('0-0:94.44.2.20', i32(100 * POUND));
    ext('0-0:94.44.0.3', bool(true));
    ext('0-0:94.44.128.2', i32(15 * POUND));
    ext('0-0:94.44.128.3', i32(POUND));
    ext('0-0:94.44.128.6', u32(300));
    ext('0-0:94.44.128.7', u32(0xffffffff));
    ext('0-0:94.44.128.8', u32(30));
    ext('0-0:94.44.128.9', i32(2 * POUND));
    ext('0-0:94.44.128.12', u16(0));
    ext('0-0:94.44.128.13', i32(604800));
    ext('0-0:94.44.128.22', i32(0));
    ext('0-0:96.13.0.255', os(''), false);
    ext('0-0:96.13.1.255', os(''), false);
    // Activation date-times that make a separate passive object active.
    const activator = (obisText: string, transfers: Transfer[]) => {
      d.add(new Obj(9000, o(obisText), { 6: never() }));
      rt.defineActivation({ trigger: ref(9000, obisText, 6), transfers });
    };
    const passiveToActive = (classId: number, passive: string): Transfer => ({ from: ref(classId, passive, 2), to: ref(classId, passive.replace(/^0-1:/, '0-0:'), 2) });
    activator('0-0:63.1.1.255', thresholdTransfers);
    activator('0-0:94.44.128.26', [passiveToActive(10, '0-1:12.0.2.255')]);
    activator('0-0:94.44.128.28', [passiveToActive(10, '0-1:12.0.1.255')]);
    activator('0-0:94.44.128.29', [passiveToActive(11, '0-1:11.0.0.255')]);
    activator('0-0:94.44.128.30', [passiveToActive(11, '0-1:11.0.1.255')]);
    activator('0-0:94.44.128.31', [passiveToActive(11, '0-1:11.0.2.255')]);
    activator('0-0:94.44.128.35', [passiveToActive(11, '0-1:11.0.3.255')]);

    return { ...common, power, alcs: alcsLog, boost, billingPrepayment, prepaymentDaily, credits, debtPayments, billing };
  }

  private billingRowTemplate(): DlmsData {
    return this.billingRowShape(false);
  }

  private billingRowShape(twin: boolean): DlmsData {
    const z = (n: number) => arr(new Array(n).fill(0).map(() => u32(0)));
    return struct(u32(0), u32(0), ...(twin ? [u32(0)] : []), z(TOU_RATES), ...(twin ? [z(SECONDARY_RATES)] : []), z(8), z(8), z(8), z(8));
  }

  /** A calendar table changed: cached tariff days are stale. */
  private readonly calendarChanged = (): void => {
    this.primaryTariff.invalidate();
    this.secondaryTariff.invalidate();
  };

  private activateEmergencyCredit(call: Call): Outcome {
    const acct = this.account;
    if (acct.mode !== 'prepayment' || acct.emergencyCreditActive || acct.emergencyCreditBalance <= 0) return fail(DAR.otherReason);
    const threshold = num(this.rt.directory.find(112, o('0-0:19.10.1.255'))?.attrs.get(10)) ?? 0;
    if (acct.meterBalance > threshold) return fail(DAR.otherReason);
    acct.emergencyCreditActive = true;
    this.logs.event.capture(eventRow(call.now, ALERT_CODE.emergencyCreditActivated));
    if (this.supply === 'disabled') this.setSupply('armed', call);
    return ok();
  }

  /**
   * ALCS scripts (0-0:10.0.103.255): the high byte names the switch (1-5), the low byte the operation;
   * low nibble 1 closes (load on), 2 opens, 0 hands the switch back to its calendar (open until it says
   * otherwise). Every execution goes in the ALCS event log.
   */
  private runAlcsScript(id: number, call: Call): Outcome {
    const n = id >> 8;
    const op = id & 0xff;
    if (n < 1 || n > 5 || ![0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x20, 0x21, 0x22].includes(op)) return fail(DAR.otherReason);
    const action = op & 0x0f;
    this.alcs[n - 1] = action === 1;
    // Row layout as RTDS ALCS logs have it: time, script, source (0 = remote command), and a second time
    // stamp that RTDS entries carry in Unix seconds.
    this.logs.alcs.capture(struct(s2000(call.now.getTime()), u16(id), enm(0), u32(Math.floor(call.now.getTime() / 1000))));
    return ok();
  }

  /** For tests and dashboards: the readings a display would show. */
  readings(): { totals: Totals; registers: PrepaymentRegisters; supply: SupplyState; mode: string } {
    return { totals: structuredClone(this.metering.totals), registers: this.account.registers(), supply: this.supply, mode: this.account.mode };
  }
}

function fill(values: DlmsData[], n: number, fallback: number[]): number[] {
  if (values.length === 0) return fallback;
  const out = new Array(n).fill(0);
  values.slice(0, n).forEach((v, i) => (out[i] = num(v) ?? 0));
  return out;
}

function prepaymentValues(r: PrepaymentRegisters): DlmsData {
  return struct(i32(r.meterBalance), i32(r.emergencyCreditBalance), i32(r.accumulatedDebt), i32(r.paymentDebt), i32(r.timeDebt1), i32(r.timeDebt2));
}

function prepaymentRow(t: number, r: PrepaymentRegisters): DlmsData {
  return struct(s2000(t), ...items(prepaymentValues(r)));
}


/** "Never": an activation date-time with nothing specified. */
function never(): DlmsData {
  return { type: 'date-time', value: { year: 0xffff, month: 0xff, day: 0xff, dayOfWeek: 0xff, hour: 0xff, minute: 0xff, second: 0xff, hundredths: 0xff, deviation: -32768, clockStatus: 0xff } };
}

function zeroBitsN(n: number, hex: string): DlmsData {
  return { type: 'bit-string', bits: n, hex };
}
