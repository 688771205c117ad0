/**
 * One GBCS message crossing a premises' HAN (hub to device or back), as a capture or dashboard sees it.
 * `delivered` is false when the radio lost it after its retries or duty-cycle management discarded it.
 */
export interface HanTraceRecord {
  atMs: number;
  premises: string;
  band: '2.4GHz' | 'subGHz';
  /** 2.4 GHz channel number 11-26, or the Sub GHz channel as "page/index". */
  channel: number | string;
  /** EUI-64 as 16 hex digits. */
  from: string;
  to: string;
  bytes: Uint8Array;
  delivered: boolean;
  hubEui: string;
}
