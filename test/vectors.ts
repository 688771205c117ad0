import { type GroupingHeader, decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { type Vector, loadVectors } from '../tools/rtds-corpus.js';

// The shared RTDS corpus for tests; the loader lives in tools/ (it reads files).
export { KEYSTORE_DIR, SHARED_DIR, VECTORS_DIR, loadVectors, type Vector, type VectorKind } from '../tools/rtds-corpus.js';

/** The General-Signing payload of a corpus frame, with the grouping header that addresses it. */
export interface VectorPayload {
  vector: Vector;
  header: GroupingHeader;
  messageCode: number;
  /** Absolute offset of the payload in the frame: payload decoders report error offsets from it. */
  base: number;
  bytes: Uint8Array;
}

let payloads: VectorPayload[] | undefined;

/** Every corpus frame's payload, located by the frame codec. */
export function vectorPayloads(): VectorPayload[] {
  payloads ??= loadVectors().flatMap((vector) => {
    const { frame, layout } = decodeFrameWithLayout(vector.bytes);
    if (frame.kind === 'gbt') return [];
    const { header } = frame;
    const bytes = vector.bytes.subarray(layout.payloadStart, layout.payloadEnd);
    return [{ vector, header, messageCode: header.otherInfo.messageCode, base: layout.payloadStart, bytes }];
  });
  return payloads;
}
