import { GbcsCryptoError } from '../errors.js';

/**
 * Why a certificate, key or keystore was refused. Devices answer CS02 commands with different status codes
 * for these cases, so callers switch on the reason rather than parsing the message.
 */
export type SmkiFailure =
  /** Not PEM, wrong PEM label, bad base64, or the wrong number of blocks. */
  | 'malformed-pem'
  /** DER that is not an X.509 certificate (or key) at all. */
  | 'malformed-certificate'
  /** The key is not on P-256 (or not EC). */
  | 'wrong-curve'
  /** The signature algorithm is not ecdsa-with-SHA256 without parameters. */
  | 'wrong-algorithm'
  /** Parses, but breaks the GBCS certificate profile (missing or non-critical extension, bad serial, ...). */
  | 'profile'
  /** No trusted issuer, the issuer is not a CA, or the path is too long. */
  | 'broken-chain'
  /** An issuer was found but its key does not verify the signature: the certificate was altered. */
  | 'bad-signature'
  /** The certificate's remote party role is not one the operation accepts (or it is a device certificate). */
  | 'wrong-role'
  /** The EUI in the certificate is not the party's. */
  | 'wrong-eui'
  /** keyUsage is not the one the operation needs. */
  | 'wrong-usage'
  /** The policy OID is not accepted, or a CA on the path does not assert it. */
  | 'wrong-policy'
  | 'expired'
  | 'not-yet-valid'
  /** A private key does not match its certificate, or a keystore entry is inconsistent. */
  | 'key-mismatch'
  /** Input to an issuing or import function that cannot be used (bad EUI, unknown role, bad JSON, ...). */
  | 'bad-input';

/**
 * Every SMKI refusal. It is a GbcsCryptoError so the CLI prints it as one expected error line; `reason` is
 * the machine-readable cause and `detail` the human explanation.
 */
export class SmkiError extends GbcsCryptoError {
  constructor(
    readonly reason: SmkiFailure,
    readonly detail: string,
  ) {
    super(`SMKI ${reason}: ${detail}`);
  }
}
