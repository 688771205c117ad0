import { type KeyObject, createPublicKey } from 'node:crypto';
import { type Hex, toHex } from '../../protocols/bytes.js';
import { ecdsaSign, publicPoint } from '../../protocols/crypto/index.js';
import type { Eui64 } from '../../protocols/eui.js';
import { type DerNode, der, encodeDer } from '../../protocols/gbcs/asn1/index.js';
import { KEY_USAGE_DER, OID } from '../../protocols/smki/index.js';

const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

function extension(oid: string, critical: boolean, value: Uint8Array | Hex): DerNode {
  const hex = typeof value === 'string' ? value : toHex(value);
  return der.sequence(der.oid(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(hex));
}

/** DER ECDSA-Sig-Value from GBCS's raw r ‖ s. */
function ecdsaSigValue(rs: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => der.integer(BigInt(`0x${toHex(b)}`));
  return encodeDer(der.sequence(int(rs.subarray(0, 32)), int(rs.subarray(32, 64))));
}

/**
 * The PKCS#10 request a device returns for CS02c, shaped like the RTDS device's: empty subject, the new
 * P-256 key, and an extensionRequest asking for the single key usage and the device's identity in a
 * critical subjectAltName hardwareModuleName (hwType, hwSerialNum = EUI); signed with the new key itself,
 * which is the request's proof of possession.
 */
export function certificationRequest(opts: { key: KeyObject; usage: 'digitalSignature' | 'keyAgreement'; eui: Eui64; hwType: string }): Uint8Array {
  const point = publicPoint(createPublicKey(opts.key));
  const spki = der.sequence(der.sequence(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)), der.bitString(toHex(point)));
  const san = der.sequence(
    der.context(0, [der.oid(OID.hardwareModuleName), der.context(0, [der.sequence(der.oid(opts.hwType), der.octetString(opts.eui))])]),
  );
  const extensions = der.sequence(extension(OID.keyUsage, true, KEY_USAGE_DER[opts.usage]), extension(OID.subjectAltName, true, encodeDer(san)));
  const attributes = der.context(0, [der.sequence(der.oid(OID_EXTENSION_REQUEST), der.set(extensions))]);
  const info = der.sequence(der.integer(0), der.sequence(), spki, attributes);
  const infoDer = encodeDer(info);
  const rs = ecdsaSign(opts.key, infoDer, { deterministic: true });
  return encodeDer(der.sequence(info, der.sequence(der.oid(OID.ecdsaWithSha256)), der.bitString(toHex(ecdsaSigValue(rs)))));
}
