import { describe, expect, it } from 'vitest';
import { toHex } from '../protocols/bytes.js';
import { parseEui64 } from '../protocols/eui.js';
import { Keystore } from '../protocols/crypto/index.js';
import { decodeFrame, decodeFrameWithLayout, type GroupingHeader } from '../protocols/gbcs/frame.js';
import { createSecurityContext, sharedSecret, verifyFrame } from '../protocols/gbcs/security.js';
import { encryptPart, sealFrame } from '../protocols/gbcs/seal.js';
import { encodeDlmsData } from '../protocols/gbcs/dlms/index.js';
import { Pki, keystoreFiles } from '../protocols/smki/index.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, loadVectors } from './vectors.js';

const vectors = loadVectors();
const vec = (name: string) => vectors.find((v) => v.name === name)!.bytes;

function verify(bytes: Uint8Array, ks: Keystore) {
  const { frame, layout } = decodeFrameWithLayout(bytes);
  return verifyFrame(bytes, frame, layout, createSecurityContext(ks));
}

describe('sealing frames with RTDS keys reproduces RTDS', () => {
  const ks = loadKeystoreDir(KEYSTORE_DIR);
  const sec = createSecurityContext(ks);

  it('re-MACs the DBCH01 command byte for byte with the ACB key', () => {
    const original = vec('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX');
    const f = decodeFrame(original);
    if (f.kind !== 'ciphered') throw new Error('expected a MAC frame');
    const z = sharedSecret(sec, parseEui64('90B3D51F30000002'), f.header.target);
    if (typeof z === 'string') throw new Error(z);
    expect(toHex(sealFrame(f.header, f.payload, { macSecret: z }))).toBe(toHex(original));
  });

  it('re-signs (RFC 6979) and re-MACs the ECS42 command; the result verifies', () => {
    const f = decodeFrame(vec('ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX'));
    if (f.kind !== 'ciphered') throw new Error('expected a MAC frame');
    const z = sharedSecret(sec, parseEui64('90B3D51F30000002'), f.header.target) as Uint8Array;
    const sealed = sealFrame(f.header, f.payload, { sign: ks.privateKey(f.header.originator, 'ds')!, macSecret: z });
    const r = verify(sealed, ks);
    expect(r.mac.status).toBe('valid');
    expect(r.signature.status).toBe('valid');
  });
});

describe('a PKI issued by smets-sim works with the wire layer', async () => {
  const pki = await Pki.create({ seed: 'wire-test' });
  const orgs = await pki.issueDefaultOrganisations();
  const esme = await pki.issueDevice({ eui: '00DB1234567890A0', type: 'esme' });
  const ks = Keystore.fromFiles(keystoreFiles([...orgs, esme]));
  const sec = createSecurityContext(ks);
  const supplier = parseEui64('90B3D51F30010000');
  const acb = parseEui64('90B3D51F30000002');
  const device = parseEui64('00DB1234567890A0');

  const command: GroupingHeader = {
    cra: 'command',
    counter: 1000n,
    originator: supplier,
    target: device,
    dateTime: null,
    otherInfo: { form: 'code', messageCode: 0x004f },
  };
  const closeLoadSwitch = decodeFrame(vec('ECS42_7.1_SUCCESS_COMMAND_GBCS.HEX'));

  it('a supplier-signed, ACB-MACd critical command verifies, and tampering fails', () => {
    if (closeLoadSwitch.kind !== 'ciphered') throw new Error('vector');
    const z = sharedSecret(sec, acb, device) as Uint8Array;
    const bytes = sealFrame(command, closeLoadSwitch.payload, { sign: ks.privateKey(supplier, 'ds')!, macSecret: z });
    expect(verify(bytes, ks)).toMatchObject({ mac: { status: 'valid' }, signature: { status: 'valid' } });
    const t = bytes.slice();
    t[60]! ^= 0x01;
    const r = verify(t, ks);
    expect(r.mac.status === 'invalid' || r.signature.status === 'invalid').toBe(true);
  });

  it("the RTDS keystore does not verify our PKI's frames (different keys)", () => {
    if (closeLoadSwitch.kind !== 'ciphered') throw new Error('vector');
    const z = sharedSecret(sec, acb, device) as Uint8Array;
    const bytes = sealFrame(command, closeLoadSwitch.payload, { sign: ks.privateKey(supplier, 'ds')!, macSecret: z });
    const r = verify(bytes, loadKeystoreDir(KEYSTORE_DIR));
    expect(r.signature.status).toBe('invalid');
    expect(r.mac.status).toBe('invalid');
  });

  it('a device response with an encrypted part MACs, verifies and decrypts with the issued keys', () => {
    const header: GroupingHeader = { ...command, cra: 'response', originator: device, target: supplier, otherInfo: { form: 'code', messageCode: 0x0027 } };
    const z = sharedSecret(sec, device, supplier) as Uint8Array;
    const plaintext = encodeDlmsData({ type: 'uint32', value: 12345 });
    const block = encryptPart(z, header, plaintext);
    const protectedData = {
      type: 'structure' as const,
      items: [
        { type: 'array' as const, items: [{ type: 'structure' as const, items: [{ type: 'enum' as const, value: 2 }, { type: 'structure' as const, items: [] }] }] },
        { type: 'octet-string' as const, hex: `31${block.invocationCounter.toString(16).padStart(8, '0')}${block.ciphertext}${block.tag}` },
      ],
    };
    const bytes = sealFrame(
      header,
      {
        family: 'dlms',
        dlms: { type: 'access-response', invokeIdAndPriority: 0x200003e8, dateTime: null, requestSpecs: null, data: [protectedData], results: [{ type: 'action', result: 0 }] },
      },
      { macSecret: z },
    );
    const r = verify(bytes, ks);
    expect(r.mac.status).toBe('valid');
    expect(r.decrypted).toHaveLength(1);
    expect(r.decrypted[0]).toMatchObject({ status: 'decrypted', value: { type: 'uint32', value: 12345 } });
  });
});
