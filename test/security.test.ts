import { describe, expect, it } from 'vitest';
import { GbcsDecodeError } from '../protocols/errors.js';
import { checkFrame } from '../protocols/gbcs/inspect.js';
import { createSecurityContext } from '../protocols/gbcs/security.js';
import { Rng } from '../firmware-sim/rng.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, loadVectors } from './vectors.js';

const vectors = loadVectors();
const sec = createSecurityContext(loadKeystoreDir(KEYSTORE_DIR));

describe('MACs, signatures and encrypted payloads of the shared corpus', () => {
  const outcomes = vectors.map((v) => ({ v, r: checkFrame(v.bytes, sec) }));

  it('verifies every MAC and signature the keystore can check, and decrypts every protected part', () => {
    const tally = { macValid: 0, sigValid: 0, decrypted: 0, unverifiable: [] as string[] };
    for (const { v, r } of outcomes) {
      expect(r.status, `${v.name}: ${'reason' in r ? r.reason : ''}`).not.toBe('fail');
      if (r.status === 'fail' || !r.security) continue;
      if (r.security.mac.status === 'valid') tally.macValid++;
      if (r.security.signature.status === 'valid') tally.sigValid++;
      tally.decrypted += r.security.decrypted.filter((d) => d.status === 'decrypted').length;
      if (r.status === 'unverifiable') tally.unverifiable.push(v.folder);
    }
    console.log(`shared corpus: ${tally.macValid} MACs valid, ${tally.sigValid} signatures valid, ${tally.decrypted} encrypted parts decrypted`);
    // PPMID -> GSME frames are MAC'd device to device; the keystore holds no device private keys.
    expect(tally.unverifiable.every((f) => /PCS0[12]/.test(f))).toBe(true);
    expect(tally.macValid).toBe(586);
    expect(tally.sigValid).toBe(384);
    expect(tally.decrypted).toBe(42);
  });

  it('decrypted parts decode to typed values', () => {
    const ecs17b = outcomes.find(({ v }) => v.name === 'ECS17b_4.1.1_SINGLE_SUCCESS_RESPONSE_GBCS.HEX');
    const d = ecs17b?.r.security?.decrypted[0];
    expect(d?.status).toBe('decrypted');
    // gbcs-framing §2.5 worked example: active import 10 Wh, reactive import 10 varh.
    expect(d?.plaintext).toBe('02010204060000000A02020F00161E060000000A02020F001620');
    expect(d?.value).toMatchObject({
      type: 'structure',
      items: [{ type: 'structure', items: [{ type: 'uint32', value: 10 }, { type: 'structure' }, { type: 'uint32', value: 10 }, { type: 'structure' }] }],
    });
  });
});

describe('tampering', () => {
  const protectedVectors = vectors.filter((v) => {
    const r = checkFrame(v.bytes, sec);
    return r.status === 'ok' && r.security && (r.security.mac.status === 'valid' || r.security.signature.status === 'valid');
  });

  /** Fully verified. A flip in an EUI makes the frame name a party with no key: unverifiable, so not accepted. */
  function accepted(bytes: Uint8Array): boolean {
    try {
      return checkFrame(bytes, sec).status === 'ok';
    } catch (e) {
      if (e instanceof GbcsDecodeError) return false;
      throw e;
    }
  }

  it('a flipped bit anywhere in a protected frame makes it fail (every bit of three frames)', () => {
    const names = [
      'DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX', // MAC only
      'ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX', // MAC + signature
      'ECS42_7.1_SUCCESS_RESPONSE_GBCS.HEX', // signature only
    ];
    for (const name of names) {
      const v = protectedVectors.find((x) => x.name === name);
      expect(v, name).toBeDefined();
      const b = v!.bytes;
      for (let i = 0; i < b.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const t = b.slice();
          t[i]! ^= 1 << bit;
          expect(accepted(t), `${name} byte ${i} bit ${bit}`).toBe(false);
        }
      }
    }
  });

  it('random bit flips in every protected vector fail verification', () => {
    const rng = Rng.fromSeed('tamper');
    let flips = 0;
    for (const v of protectedVectors) {
      for (let k = 0; k < 6; k++) {
        const t = v.bytes.slice();
        const i = rng.int(0, t.length - 1);
        t[i]! ^= 1 << rng.int(0, 7);
        expect(accepted(t), `${v.name} byte ${i}`).toBe(false);
        flips++;
      }
    }
    expect(protectedVectors.length).toBeGreaterThan(800);
    expect(flips).toBe(protectedVectors.length * 6);
  });
});
