/**
 * The only errors codecs throw. Decoders report where in the input they stopped (absolute byte offset
 * from the start of the outermost frame) and which field they were reading, so a user can find the byte.
 */
export class GbcsDecodeError extends Error {
  override readonly name = 'GbcsDecodeError';
  constructor(
    readonly offset: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`offset ${offset}: ${field}: ${reason}`);
  }
}

/** Raised by encoders when a value cannot be written; `path` names the offending field. */
export class GbcsEncodeError extends Error {
  override readonly name = 'GbcsEncodeError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Raised by crypto and keystore helpers when a key or certificate is unusable. */
export class GbcsCryptoError extends Error {
  override readonly name = 'GbcsCryptoError';
  constructor(reason: string) {
    super(reason);
  }
}
