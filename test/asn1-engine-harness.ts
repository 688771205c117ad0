import type { KeyObject } from 'node:crypto';
import type { Eui64 } from '../protocols/eui.js';
import { KeyAgreementCache } from '../protocols/crypto/index.js';
import type { Asn1SchemaName, Asn1Schemas } from '../protocols/gbcs/asn1/index.js';
import { type GbcsFrame, type GroupingHeader, decodeFrame } from '../protocols/gbcs/frame.js';
import type { Payload } from '../protocols/gbcs/payload.js';
import { sealFrame } from '../protocols/gbcs/seal.js';
import { deriveKeyPair, seedBytes } from '../protocols/smki/index.js';
import type { Asn1Engine } from '../firmware-sim/asn1/engine.js';
import { ruleFor } from '../protocols/gbcs/authority.js';
import { ManualClock } from '../firmware-sim/clock.js';
import { RTDS_NOW } from '../firmware-sim/conformance.js';
import { Device, type DeviceKind, type Emitted } from '../firmware-sim/device.js';
import { CompositeModel } from '../firmware-sim/models/composite.js';
import { createModel } from '../firmware-sim/models/index.js';
import { Rng } from '../firmware-sim/rng.js';
import { anchorsFromKeystore } from '../firmware-sim/trust.js';
import { keystore } from './device-harness.js';

/*
 * A head-end and one device for the ASN.1 engine's behaviour tests. The device is built the way the
 * conformance runner builds it (RTDS organisations as trust anchors, keys of its own, clock at RTDS "now");
 * commands are sealed as a head-end would: signed with the originator's DS key when critical, MAC'd with
 * the RTDS ACB key-agreement key against the device's own key.
 */

export { keystore };

export const PARTY = {
  recovery: '90B3D51F30000001' as Eui64,
  acb: '90B3D51F30000002' as Eui64,
  transCoS: '90B3D51F30000004' as Eui64,
  supplier: '90B3D51F30010000' as Eui64,
  supplier2: '90B3D51F30030000' as Eui64,
  networkOperator: '90B3D51F30020000' as Eui64,
};

export const DEVICE: Record<Exclude<DeviceKind, 'ihd'>, Eui64> = {
  esme: '00DB1234567890A0' as Eui64,
  gsme: '00DB1234567890A1' as Eui64,
  chf: '00DB1234567890A2' as Eui64,
  gpf: '00DB1234567890A3' as Eui64,
  ppmid: '00DB1234567890A4' as Eui64,
  hcalcs: '00DB1234567890A5' as Eui64,
};

export function asn1<K extends Asn1SchemaName>(schema: K, value: Asn1Schemas[K]): Payload {
  return { family: 'asn1', asn1: { schema, value } as never };
}

export type Frame = Exclude<GbcsFrame, { kind: 'gbt' }>;

export function decode(bytes: Uint8Array): Frame {
  const f = decodeFrame(bytes);
  if (f.kind === 'gbt') throw new Error('unexpected GBT block');
  return f;
}

/** The typed value of an ASN.1 frame, checked to be of the expected schema. */
export function value<K extends Asn1SchemaName>(f: Frame, schema: K): Asn1Schemas[K] {
  if (f.payload.family !== 'asn1' || f.payload.asn1.schema !== schema) {
    throw new Error(`expected ${schema}, got ${f.payload.family === 'asn1' ? f.payload.asn1.schema : f.payload.family}`);
  }
  return f.payload.asn1.value as Asn1Schemas[K];
}

export interface Sent {
  response?: Frame;
  responseBytes?: Uint8Array;
  alerts: Array<{ emitted: Emitted; frame: Frame }>;
}

export class Bench {
  readonly clock = new ManualClock(RTDS_NOW);
  readonly rng: Rng;
  readonly device: Device;
  readonly model: CompositeModel;
  readonly asn1: Asn1Engine;
  private readonly cache = new KeyAgreementCache();
  private counter = 1000n;

  constructor(readonly kind: Exclude<DeviceKind, 'ihd'>, readonly eui: Eui64 = DEVICE[kind]) {
    this.rng = Rng.fromSeed(`asn1-engine test/${kind}`);
    const seed = seedBytes('asn1-engine test');
    const env = { eui, rng: this.rng, clock: this.clock };
    let model = createModel(kind, env);
    const asn1Engine = model.engine('asn1') as Asn1Engine;
    try {
      model.genericAlert(0x8f3d, 0n, this.clock.now());
    } catch {
      // The device's own alert family is not built yet: raise generic alerts through the ASN.1 engine's.
      const family = kind === 'esme' || kind === 'chf' ? 'dlms' : 'gbz';
      model = new CompositeModel(kind, { [family]: model.engine(family), asn1: asn1Engine }, asn1Engine);
    }
    this.model = model;
    this.asn1 = asn1Engine;
    this.device = new Device({
      eui,
      model,
      keys: { ds: deriveKeyPair(seed, `device/${eui}/ds`).privateKey, ka: deriveKeyPair(seed, `device/${eui}/ka`).privateKey },
      trust: anchorsFromKeystore(keystore),
      clock: this.clock,
      rng: this.rng,
      cache: this.cache,
    });
  }

  /**
   * Seal and deliver a command. Critical use cases are signed with `signWith`, by default the originator's
   * RTDS DS key; everything but the recovery/contingency modes is MAC'd by the RTDS ACB.
   */
  send(from: Eui64, messageCode: number, payload: Payload, opts: { signWith?: KeyObject | null; mac?: boolean } = {}): Sent {
    const rule = ruleFor(messageCode);
    const sign = opts.signWith === null ? undefined : (opts.signWith ?? (rule && rule.signature !== 'none' ? keystore.privateKey(from, 'ds') : undefined));
    const header: GroupingHeader = {
      cra: 'command',
      counter: this.counter++,
      originator: from,
      target: this.eui,
      dateTime: null,
      otherInfo: { form: 'code', messageCode },
    };
    const mac = opts.mac ?? rule?.mac !== 'none';
    const acbKa = keystore.privateKey(PARTY.acb, 'ka')!;
    const bytes = sealFrame(header, payload, {
      ...(sign ? { sign } : {}),
      ...(mac ? { macSecret: this.cache.sharedSecret(acbKa, this.device.kaPublicKey) } : {}),
    });
    return this.collect(this.device.receive(bytes));
  }

  /** Let simulated time pass and run whatever falls due. */
  advance(to: Date): Sent {
    this.clock.set(to);
    return this.collect(this.device.tick());
  }

  private collect(out: Emitted[]): Sent {
    const r = out.find((e) => e.kind === 'response');
    return {
      ...(r ? { response: decode(r.bytes), responseBytes: r.bytes } : {}),
      alerts: out.filter((e) => e.kind === 'alert').map((e) => ({ emitted: e, frame: decode(e.bytes) })),
    };
  }
}
