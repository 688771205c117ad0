import { describe, expect, it } from 'vitest';
import { parseEui64 } from '../protocols/eui.js';
import { Keystore } from '../protocols/crypto/index.js';
import { buildCommand } from '../protocols/gbcs/commands/build.js';
import { decodeFrame, decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { createSecurityContext, sharedSecret, verifyFrame } from '../protocols/gbcs/security.js';
import { sealFrame } from '../protocols/gbcs/seal.js';
import { deriveKeyPair, seedBytes } from '../protocols/smki/index.js';
import { ManualClock } from '../firmware-sim/clock.js';
import { Device, GCA, SECURITY_ALERT, type Emitted } from '../firmware-sim/device.js';
import { createModel } from '../firmware-sim/models/index.js';
import { Rng } from '../firmware-sim/rng.js';
import { anchorsFromKeystore } from '../firmware-sim/trust.js';
import { KEYSTORE_DIR } from './vectors.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The GBCS security gate of every device: a head-end's commands (built with the RTDS organisations' keys)
 * are accepted, and replays, wrong roles, bad MACs and bad signatures are refused with the GCA alert GBCS
 * defines and no response.
 */

const EUI = parseEui64('00DB12345678F0A0'); // not an RTDS device: the simulated ESME's keys are its own
const NO = parseEui64('90B3D51F30020000');
const ACB = parseEui64('90B3D51F30000002');

function setup() {
  const ks = Keystore.fromFiles(readdirSync(KEYSTORE_DIR).map((name) => ({ name, text: readFileSync(join(KEYSTORE_DIR, name), 'utf8') })), { skipInvalid: true });
  const seed = seedBytes('gate');
  const ds = deriveKeyPair(seed, 'ds').privateKey;
  const ka = deriveKeyPair(seed, 'ka').privateKey;
  ks.add(EUI, 'ka', { privateKey: ka });
  ks.add(EUI, 'ds', { privateKey: ds });
  const clock = new ManualClock(Date.UTC(2015, 0, 1));
  const rng = Rng.fromSeed('gate');
  const device = new Device({ eui: EUI, model: createModel('esme', { eui: EUI, rng, clock }), keys: { ds, ka }, trust: anchorsFromKeystore(ks), clock, rng });
  return { ks, device };
}

const responses = (out: Emitted[]) => out.filter((e) => e.kind === 'response');
const gca = (out: Emitted[]) => out.filter((e) => e.kind === 'alert' && e.messageCode === GCA);

describe('device security gate', () => {
  it('accepts a supplier read and a supplier-signed critical command; the responses verify', () => {
    const { ks, device } = setup();
    for (const [useCase, counter] of [['ECS17b', 1000n], ['ECS42', 1001n]] as const) {
      const out = device.receive(buildCommand({ useCase, to: EUI, as: 'supplier', counter, keystore: ks }));
      const [resp] = responses(out);
      expect(resp, useCase).toBeDefined();
      expect(gca(out)).toEqual([]);
      const { frame, layout } = decodeFrameWithLayout(resp!.bytes);
      const r = verifyFrame(resp!.bytes, frame, layout, createSecurityContext(ks));
      // Critical commands get signed responses, others MAC'd ones.
      expect(useCase === 'ECS42' ? r.signature.status : r.mac.status, useCase).toBe('valid');
    }
  });

  it('refuses a replayed counter (0x8F53) and an older one', () => {
    const { ks, device } = setup();
    const cmd = buildCommand({ useCase: 'ECS17b', to: EUI, as: 'supplier', counter: 1000n, keystore: ks });
    expect(responses(device.receive(cmd))).toHaveLength(1);
    const again = device.receive(cmd);
    expect(responses(again)).toEqual([]);
    expect(gca(again).map((e) => e.alertCode)).toEqual([SECURITY_ALERT.other]);
    const older = device.receive(buildCommand({ useCase: 'ECS17b', to: EUI, as: 'supplier', counter: 999n, keystore: ks }));
    expect(gca(older).map((e) => e.alertCode)).toEqual([SECURITY_ALERT.other]);
    expect(device.refusals.at(-1)?.reason).toMatch(/not greater/);
  });

  it('refuses a critical command signed by a role without authority (0x8F30)', () => {
    const { ks, device } = setup();
    const supplierCmd = decodeFrame(buildCommand({ useCase: 'ECS42', to: EUI, as: 'supplier', counter: 1000n, keystore: ks }));
    if (supplierCmd.kind === 'gbt') throw new Error('frame');
    // The network operator signs the same load-switch command with its own DS key.
    const header = { ...supplierCmd.header, originator: NO, counter: 1200n };
    const z = sharedSecret(createSecurityContext(ks), ACB, EUI) as Uint8Array;
    const out = device.receive(sealFrame(header, supplierCmd.payload, { sign: ks.privateKey(NO, 'ds')!, macSecret: z }));
    expect(responses(out)).toEqual([]);
    expect(gca(out).map((e) => e.alertCode)).toEqual([SECURITY_ALERT.noAuthority]);
  });

  it('refuses a bad MAC (0x8F1E) and a bad signature (0x8F3D)', () => {
    const { ks, device } = setup();
    const good = buildCommand({ useCase: 'ECS17b', to: EUI, as: 'supplier', counter: 1000n, keystore: ks });
    const badMac = good.slice();
    badMac[badMac.length - 1]! ^= 0x01;
    const out1 = device.receive(badMac);
    expect(responses(out1)).toEqual([]);
    expect(gca(out1).map((e) => e.alertCode)).toEqual([SECURITY_ALERT.integrity]);

    const crit = decodeFrame(buildCommand({ useCase: 'ECS42', to: EUI, as: 'supplier', counter: 1001n, keystore: ks }));
    if (crit.kind !== 'ciphered' || crit.signature.kind !== 'ecdsa') throw new Error('expected a signed MAC frame');
    // Sign with the wrong key (the network operator's) but MAC correctly: only the signature is wrong.
    const z = sharedSecret(createSecurityContext(ks), ACB, EUI) as Uint8Array;
    const forged = sealFrame(crit.header, crit.payload, { sign: ks.privateKey(NO, 'ds')!, macSecret: z });
    const out2 = device.receive(forged);
    expect(responses(out2)).toEqual([]);
    expect(gca(out2).map((e) => e.alertCode)).toEqual([SECURITY_ALERT.authentication]);
    // And the refusal did not consume the counter: the genuine command still goes through.
    expect(responses(device.receive(buildCommand({ useCase: 'ECS42', to: EUI, as: 'supplier', counter: 1001n, keystore: ks })))).toHaveLength(1);
  });

  it('ignores a command for another device without answering', () => {
    const { ks, device } = setup();
    const other = buildCommand({ useCase: 'ECS17b', to: parseEui64('00DB1234567890A0'), as: 'supplier', counter: 1000n, keystore: ks });
    expect(device.receive(other)).toEqual([]);
    expect(device.refusals.at(-1)?.reason).toMatch(/addressed to/);
  });
});
