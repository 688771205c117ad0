import { type KeyObject, diffieHellman } from 'node:crypto';
import { GbcsCryptoError } from '../errors.js';
import { type KdfInfo, deriveKey } from './kdf.js';
import { assertP256, publicPoint } from './keys.js';

/**
 * Uncached static-static ECDH on P-256: the 32-byte x-coordinate Z.
 * node's `diffieHellman` on KeyObjects measured ~125 µs against ~145-165 µs for `createECDH` with raw keys
 * (the latter also needs the raw scalar exported), so KeyObjects are used throughout.
 */
export function ecdhSharedSecret(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  assertP256(privateKey, 'private', 'ECDH own key');
  assertP256(publicKey, 'public', 'ECDH peer key');
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey, publicKey });
  } catch (e) {
    throw new GbcsCryptoError(`ECDH failed: ${(e as Error).message}`);
  }
  if (z.length !== 32) throw new GbcsCryptoError(`ECDH produced ${z.length} bytes, expected 32`);
  // Copy out of node's buffer pool so the cached value owns its memory.
  return new Uint8Array(z);
}

export interface KeyAgreementCacheOptions {
  /** Evict the oldest entries beyond this many pairs (default: unbounded; an estate has few org keys). */
  maxEntries?: number;
  /** The agreement function; tests substitute a counting one. Defaults to `ecdhSharedSecret`. */
  compute?: (privateKey: KeyObject, publicKey: KeyObject) => Uint8Array;
}

export interface KeyAgreementStats {
  hits: number;
  /** ECDH computations performed (cache misses). */
  computations: number;
  entries: number;
}

/**
 * Caches Z per (own private key, peer public key). ECDH dominates per-message cost (~125 µs vs ~20 µs for
 * KDF + GMAC) and a device talks to a handful of parties, so nearly every message after the first is a hit.
 *
 * Keys are identified by their public point, memoised per KeyObject in a WeakMap: the point is one JWK export
 * (~8 µs) per KeyObject, and two KeyObjects loaded separately for the same key share entries. Private keys are
 * identified by their public half, so no secret material ends up in map keys.
 */
export class KeyAgreementCache {
  private readonly ids = new WeakMap<KeyObject, string>();
  private readonly secrets = new Map<string, Uint8Array>();
  /**
   * The same secrets by KeyObject identity: the common case (a device's own key object and an anchor's)
   * then costs two WeakMap lookups instead of key checks, a 180-character key string and its hash.
   * Only pairs already checked and stored get here; it is dropped whenever an entry is evicted or cleared.
   */
  private byObject = new WeakMap<KeyObject, WeakMap<KeyObject, Uint8Array>>();
  private readonly maxEntries: number;
  private readonly compute: (privateKey: KeyObject, publicKey: KeyObject) => Uint8Array;
  private hits = 0;
  private computations = 0;

  constructor(options: KeyAgreementCacheOptions = {}) {
    const max = options.maxEntries ?? Infinity;
    if (!(max >= 1)) throw new GbcsCryptoError(`KeyAgreementCache maxEntries must be >= 1, got ${String(max)}`);
    this.maxEntries = max;
    this.compute = options.compute ?? ecdhSharedSecret;
  }

  private idOf(key: KeyObject): string {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = Buffer.from(publicPoint(key)).toString('base64');
      this.ids.set(key, id);
    }
    return id;
  }

  /** Z for the pair, computing it on first use. The returned bytes are shared: do not modify them. */
  sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
    const known = this.byObject.get(privateKey)?.get(publicKey);
    if (known) {
      this.hits++;
      return known;
    }
    assertP256(privateKey, 'private', 'ECDH own key');
    assertP256(publicKey, 'public', 'ECDH peer key');
    const k = `${this.idOf(privateKey)}|${this.idOf(publicKey)}`;
    let z = this.secrets.get(k);
    if (z) {
      this.hits++;
    } else {
      z = this.compute(privateKey, publicKey);
      this.computations++;
      if (this.secrets.size >= this.maxEntries) {
        const oldest = this.secrets.keys().next();
        if (!oldest.done) {
          this.secrets.delete(oldest.value);
          this.byObject = new WeakMap();
        }
      }
      this.secrets.set(k, z);
    }
    let peers = this.byObject.get(privateKey);
    if (!peers) this.byObject.set(privateKey, (peers = new WeakMap()));
    peers.set(publicKey, z);
    return z;
  }

  /** ECDH (cached) + KDF in one step: the per-message AES key. */
  deriveKey(privateKey: KeyObject, publicKey: KeyObject, info: KdfInfo): Uint8Array {
    return deriveKey(this.sharedSecret(privateKey, publicKey), info);
  }

  stats(): KeyAgreementStats {
    return { hits: this.hits, computations: this.computations, entries: this.secrets.size };
  }

  clear(): void {
    this.secrets.clear();
    this.byObject = new WeakMap();
  }
}
