import { describe, expect, it } from 'vitest';
import { type DerNode, type DerTlv, childrenOf, decodeDer, decodeOid, encodeDer, readTlv, tlvBytes, tlvContent } from '../protocols/asn1/der.js';
import { fromHex, toHex } from '../protocols/bytes.js';
import { isAsn1MessageCode } from '../protocols/gbcs/asn1/index.js';
import { expectDecodeError } from './expect-errors.js';
import { vectorPayloads } from './vectors.js';

describe('DER element offsets (readTlv / childrenOf)', () => {
  it('reads identifier, tag number and offsets without reading content', () => {
    const buf = fromHex('3008020101A303040100');
    const seq = readTlv(buf);
    expect(seq).toEqual({ id: 0x30, tag: 16, offset: 0, start: 2, end: 10, lengthOctets: 0 });
    const [int, ctx] = childrenOf(buf, seq);
    expect(toHex(tlvContent(buf, int!))).toBe('01');
    expect(ctx).toMatchObject({ id: 0xa3, tag: 3, offset: 5 });
    expect(toHex(tlvBytes(buf, ctx!))).toBe('A303040100');
    expect(readTlv(fromHex('9F810001AA'))).toMatchObject({ id: 0x9f, tag: 128, start: 4, end: 5 });
  });

  it('accepts a longer length form unless minimal lengths are asked for', () => {
    const buf = fromHex('04820003414243');
    expect(readTlv(buf)).toMatchObject({ start: 4, end: 7, lengthOctets: 2 });
    expect(expectDecodeError(() => readTlv(buf, 0, buf.length, { minimalLengths: true })).reason).toMatch(/minimal/);
    expect(expectDecodeError(() => readTlv(fromHex('3080'))).reason).toMatch(/indefinite/);
    expect(expectDecodeError(() => readTlv(fromHex('0405AA'))).reason).toMatch(/runs past/);
    const truncatedChild = fromHex('300102');
    const parent = readTlv(truncatedChild);
    expect(expectDecodeError(() => childrenOf(truncatedChild, parent))).toMatchObject({ offset: 3, field: 'DER length' });
  });

  it('decodes OBJECT IDENTIFIER content strictly', () => {
    expect(decodeOid(fromHex('2A8648CE3D040302'))).toBe('1.2.840.10045.4.3.2');
    expect(decodeOid(fromHex('883703'))).toBe('2.999.3');
    expect(expectDecodeError(() => decodeOid(new Uint8Array(0))).reason).toMatch(/empty/);
    expect(expectDecodeError(() => decodeOid(fromHex('2A86'))).reason).toMatch(/unterminated/);
    expect(expectDecodeError(() => decodeOid(fromHex('2A808648'))).reason).toMatch(/leading 0x80/);
    expect(decodeOid(fromHex('2A808648'), { paddedSubidentifiers: true })).toBe('1.2.840');
  });

  it('refuses high tag numbers where only low ones may occur', () => {
    const buf = fromHex('3004BF810000');
    const parent = readTlv(buf);
    expect(childrenOf(buf, parent)[0]).toMatchObject({ id: 0xbf, tag: 128 });
    expect(expectDecodeError(() => childrenOf(buf, parent, { lowTagNumbers: true }))).toMatchObject({ offset: 2, field: 'DER tag' });
  });

  it('agrees with the tree decoder on every corpus ASN.1 payload', () => {
    let elements = 0;
    const walk = (buf: Uint8Array, t: DerTlv, node: DerNode) => {
      elements++;
      expect(toHex(tlvBytes(buf, t))).toBe(toHex(encodeDer(node)));
      if (node.type === 'sequence' || node.type === 'set' || (node.type === 'tagged' && node.constructed)) {
        const kids = childrenOf(buf, t);
        expect(kids.length).toBe(node.children.length);
        kids.forEach((k, i) => walk(buf, k, node.children[i]!));
      }
    };
    for (const p of vectorPayloads().filter((x) => isAsn1MessageCode(x.messageCode))) walk(p.bytes, readTlv(p.bytes), decodeDer(p.bytes));
    expect(elements).toBeGreaterThan(1000);
  });
});
