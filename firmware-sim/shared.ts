import type { Hex } from '../protocols/bytes.js';
import type { Eui64 } from '../protocols/eui.js';
import type { Clock } from './clock.js';
import type { DeviceKind } from './device.js';
import type { Rng } from './rng.js';

/** A HAN device a meter or hub has joined (CS03) and not yet unjoined (CS04). */
export interface JoinedDevice {
  eui: Eui64;
  /** GBCS device type: 0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2. */
  deviceType: number;
  /** Join method and role as CS03 gave it (0 A-initiator, 1 A-responder, 2 B, 3 C). */
  method: number;
}

export interface FirmwareState {
  /** Running firmware version (octet string, as ECS52/GCS38/CS08 report it). */
  version: Hex;
  /** Image received and verified but not yet activated (CS06). */
  pending?: { hash: Hex; version: Hex };
}

/**
 * State that more than one payload family touches on one device: CS03 joins are ASN.1 but decide whom the
 * DLMS/GBZ side talks to; CS06 activates firmware that ECS52/GCS38 read; GCS28 sets the clock.
 */
export interface SharedState {
  joined: Map<Eui64, JoinedDevice>;
  firmware: FirmwareState;
  /** Device clock minus simulation clock, in ms (a meter's clock can be set or drift). */
  clockOffsetMs: number;
}

export function newSharedState(firmwareVersion: Hex = '0123ABCD'): SharedState {
  return { joined: new Map(), firmware: { version: firmwareVersion }, clockOffsetMs: 0 };
}

/** What every family engine is built with. */
export interface EngineEnv {
  eui: Eui64;
  kind: DeviceKind;
  rng: Rng;
  clock: Clock;
  shared: SharedState;
  /** What an estate's config says about this device; anything left out is drawn from the seed. */
  traits?: DeviceTraits;
}

export interface DeviceTraits {
  paymentMode?: 'credit' | 'prepayment';
  /** Electricity meters: typical annual import (kWh), PV peak power (kW, 0 = none), electric heating share (0..1). */
  annualKWh?: number;
  solarKwp?: number;
  heatingShare?: number;
}
