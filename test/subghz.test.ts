import { describe, expect, it } from 'vitest';
import { parseEui64 } from '../protocols/eui.js';
import { runFolder, type FolderFile } from '../firmware-sim/conformance.js';
import { Rng } from '../firmware-sim/rng.js';
import { createModel } from '../firmware-sim/models/index.js';
import { createChfModel, createModelWithHubs } from '../hub/chf.js';
import { channelOfWord, channelWord, channelsOfWord, frequencyMHz, maskWord } from '../hub/radio/channels.js';
import { HanRadio } from '../hub/radio/model.js';
import { DEFAULT_SUBGHZ_CONFIG, configFromData, configToData } from '../hub/subghz/config.js';
import { SUBGHZ_ALERT, SubGhzController } from '../hub/subghz/controller.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, loadVectors } from './vectors.js';

const keystore = loadKeystoreDir(KEYSTORE_DIR);
const vectors = loadVectors();
const folder = (name: string): FolderFile[] => vectors.filter((v) => v.folder === name).map((v) => ({ name: v.name, kind: v.kind, bytes: v.bytes }));
const DBCH = ['6.31_DBCH01', '6.32_DBCH02', '6.30_DBCH03', '6.28_DBCH04', '6.29_DBCH05', 'NA_DBCH06', 'NA_DBCH07', 'NA_DBCH08', 'NA_DBCH10', 'NA_DBCH11'];

describe('Sub GHz channel words', () => {
  it('reads the RTDS words (rtds-decoded §5.1)', () => {
    expect(channelOfWord(0xe0000001)).toEqual({ page: 28, index: 0 });
    expect(channelOfWord(0xe8000002)).toEqual({ page: 29, index: 1 });
    expect(channelOfWord(0xf8000008)).toEqual({ page: 31, index: 3 });
    expect(channelsOfWord(0xe0000006)).toEqual([{ page: 28, index: 1 }, { page: 28, index: 2 }]);
    expect(maskWord(30, [1, 2])).toBe(0xf0000006);
    expect(channelWord({ page: 28, index: 0 })).toBe(0xe0000001);
    expect(() => channelOfWord(0xe0000003)).toThrow(/exactly one bit/);
    expect(() => channelsOfWord(0x10000001)).toThrow(/not a Sub GHz page/);
    expect(frequencyMHz({ page: 29, index: 0 })).toBeCloseTo(868.65);
  });

  it('configuration round-trips through its DLMS structure and rejects bad ones', () => {
    expect(configFromData(configToData(DEFAULT_SUBGHZ_CONFIG))).toEqual(DEFAULT_SUBGHZ_CONFIG);
    expect(configFromData({ type: 'structure', items: [] })).toMatch(/15 fields/);
    expect(configFromData(configToData({ ...DEFAULT_SUBGHZ_CONFIG, normalLimitedDutyCycleThreshold: 300 }))).toMatch(/below/);
  });
});

describe('Sub GHz controller behaviour', () => {
  const t0 = Date.UTC(2026, 0, 1);

  it('interference on the operating channel leads to a scan and a channel change (0x8F26), logged', () => {
    const radio = new HanRadio(Rng.fromSeed('r'));
    const sg = new SubGhzController(radio, { operating: { page: 28, index: 5 } });
    expect(sg.observe(t0)).toEqual([]);
    radio.inject({ channel: { band: 'subGHz', page: 28, index: 5 }, levelDbm: -70, fromMs: t0 + 1000, toMs: t0 + 3_600_000 });
    expect(sg.observe(t0 + 2000)).toEqual([]); // within the noise measurement period: not measured yet
    const alerts = sg.observe(t0 + 120_000);
    expect(alerts.map((a) => a.alertCode)).toEqual([SUBGHZ_ALERT.scanInitiated, SUBGHZ_ALERT.scanOutcome, SUBGHZ_ALERT.channelChanged]);
    expect(sg.operating).not.toEqual({ page: 28, index: 5 });
    expect(sg.log).toHaveLength(1);
    expect(sg.logBetween(t0, t0 + 200_000)[0]!.alertCode).toBe(0x8f26);
  });

  it('agility parameters forbid a change once the weekly cap is reached (0x8F2B)', () => {
    const radio = new HanRadio(Rng.fromSeed('r2'));
    const sg = new SubGhzController(radio, { config: { ...DEFAULT_SUBGHZ_CONFIG, maxChannelChangesPerWeek: 1 } });
    sg.observe(t0);
    radio.inject({ channel: sg.operatingChannel, levelDbm: -70, fromMs: t0, toMs: t0 + 86_400_000 });
    expect(sg.observe(t0 + 120_000).map((a) => a.alertCode)).toContain(SUBGHZ_ALERT.channelChanged);
    radio.inject({ channel: sg.operatingChannel, levelDbm: -70, fromMs: t0 + 200_000, toMs: t0 + 86_400_000 });
    const second = sg.observe(t0 + 300_000).map((a) => a.alertCode);
    expect(second).toContain(SUBGHZ_ALERT.notChangedAgility);
    expect(second).not.toContain(SUBGHZ_ALERT.channelChanged);
  });

  it('duty cycle crosses each threshold up and back down; Regulated discards messages (0x8F2C)', () => {
    const sg = new SubGhzController(new HanRadio(Rng.fromSeed('d')));
    const esme = parseEui64('00DB1234567890A0');
    const hour = 3_600_000;
    const codes: number[] = [];
    // 1.3 %, 2.1 %, 2.6 % of an hour of air time, then the window slides past it.
    codes.push(...sg.recordTransmit(t0, 0.013 * hour, esme).map((a) => a.alertCode));
    codes.push(...sg.recordTransmit(t0 + 1, 0.008 * hour, esme).map((a) => a.alertCode));
    codes.push(...sg.recordTransmit(t0 + 2, 0.005 * hour, esme).map((a) => a.alertCode));
    expect(codes).toEqual([0x8f20, 0x8f22, 0x8f24]);
    expect(sg.admit(t0 + 3, 10, { originator: parseEui64('90B3D51F30010000'), target: esme, cra: 1, counter: 1000n })?.alertCode).toBe(0x8f2c);
    expect(sg.updateLevel(t0 + hour + 10).map((a) => a.alertCode)).toEqual([0x8f25, 0x8f23, 0x8f21]);
    expect(sg.admit(t0 + hour + 11, 10, { originator: parseEui64('90B3D51F30010000'), target: esme, cra: 1, counter: 1001n })).toBeNull();
  });

  it('capacity exhausted refuses a join with 0x8F2D', () => {
    const sg = new SubGhzController(new HanRadio(Rng.fromSeed('c')), { capacity: 2 });
    expect(sg.join(parseEui64('00DB000000000001'), t0)).toBeNull();
    expect(sg.join(parseEui64('00DB000000000002'), t0)).toBeNull();
    expect(sg.join(parseEui64('00DB000000000003'), t0)?.alertCode).toBe(0x8f2d);
  });
});

describe('DBCH conformance', () => {
  it('every DBCH folder of the shared corpus passes on a dual band hub', () => {
    const results = DBCH.map((f) => runFolder(f, folder(f), { keystore, createModel: createModelWithHubs }));
    expect(results.map((r) => `${r.folder}: ${r.detail}`)).toEqual(DBCH.map((f) => `${f}: ok`));
  });

  it('a single band hub answers DBCH reads with object-undefined, so the reference does not match', () => {
    const single = (kind: Parameters<typeof createModel>[0], env: Parameters<typeof createModel>[1]) =>
      kind === 'chf' ? createChfModel(env, { band: 'single' }).model : createModel(kind, env);
    const r = runFolder('6.31_DBCH01', folder('6.31_DBCH01'), { keystore, createModel: single });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/results\[0\]\.result: expected 0, got 4|data\[0\]/);
  });
});

describe('agility pacing', () => {
  it('a refused change is not repeated at every measurement while the noise stays the same', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const radio = new HanRadio(Rng.fromSeed('pace'));
    const sg = new SubGhzController(radio, { config: { ...DEFAULT_SUBGHZ_CONFIG, maxChannelChangesPerWeek: 0 } });
    sg.observe(t0);
    radio.inject({ channel: sg.operatingChannel, levelDbm: -60, fromMs: t0, toMs: t0 + 86_400_000 });
    const codes: number[] = [];
    for (let m = 1; m <= 60; m++) codes.push(...sg.observe(t0 + m * 60_000).map((a) => a.alertCode));
    expect(codes.filter((c) => c === SUBGHZ_ALERT.notChangedAgility)).toHaveLength(1);
  });
});
