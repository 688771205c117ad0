/**
 * HAN channels. 2.4 GHz: IEEE 802.15.4 channels 11-26. Sub GHz (GBCS v2 dual band hubs): a ZigBee channel
 * page (28-31) and a channel within it, carried as the 32-bit page+mask word GBCS uses in DBCH01/02/03/07:
 * top 5 bits the page, low 27 bits a mask with bit n = channel n of that page.
 */
export type Band = '2.4GHz' | 'subGHz';

export interface SubGhzChannel {
  page: 28 | 29 | 30 | 31;
  /** Channel number within the page, 0-26. */
  index: number;
}

export type HanChannel = { band: '2.4GHz'; channel: number } | ({ band: 'subGHz' } & SubGhzChannel);

export const PAGES = [28, 29, 30, 31] as const;
export const CHANNELS_PER_PAGE: Record<SubGhzChannel['page'], number> = { 28: 27, 29: 8, 30: 27, 31: 27 };

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
}

function checkChannel(c: SubGhzChannel): void {
  if (!PAGES.includes(c.page)) throw new ChannelError(`Sub GHz channel page must be 28-31, got ${c.page}`);
  if (!Number.isInteger(c.index) || c.index < 0 || c.index >= CHANNELS_PER_PAGE[c.page]) {
    throw new ChannelError(`page ${c.page} has channels 0-${CHANNELS_PER_PAGE[c.page] - 1}, got ${c.index}`);
  }
}

/** The page+mask word for one channel (one mask bit set), e.g. page 28 channel 0 → 0xE0000001. */
export function channelWord(c: SubGhzChannel): number {
  checkChannel(c);
  return ((c.page << 27) | (1 << c.index)) >>> 0;
}

/** The page+mask word for a set of channels on one page. */
export function maskWord(page: SubGhzChannel['page'], indices: readonly number[]): number {
  let mask = 0;
  for (const i of indices) {
    checkChannel({ page, index: i });
    mask |= 1 << i;
  }
  return ((page << 27) | mask) >>> 0;
}

/** Channels a page+mask word names (any number of bits). */
export function channelsOfWord(word: number): SubGhzChannel[] {
  const page = (word >>> 27) as SubGhzChannel['page'];
  if (!PAGES.includes(page)) throw new ChannelError(`channel page ${page} is not a Sub GHz page (28-31)`);
  const out: SubGhzChannel[] = [];
  for (let i = 0; i < CHANNELS_PER_PAGE[page]; i++) if (word & (1 << i)) out.push({ page, index: i });
  const beyond = (word & 0x07ffffff) >>> CHANNELS_PER_PAGE[page];
  if (beyond) throw new ChannelError(`mask 0x${(word >>> 0).toString(16)} sets bits beyond page ${page}'s channels`);
  return out;
}

/** The single channel of an operating-channel word; exactly one bit must be set. */
export function channelOfWord(word: number): SubGhzChannel {
  const all = channelsOfWord(word);
  if (all.length !== 1) throw new ChannelError(`an operating channel word sets exactly one bit, 0x${(word >>> 0).toString(16)} sets ${all.length}`);
  return all[0]!;
}

/**
 * Centre frequency in MHz. Pages 28-30 are the 863-876 MHz band (DUIS "lower band" channels 0-61: page 28
 * 0-26, page 29 27-34, page 30 35-61), page 31 the 915-921 MHz "upper band"; 200 kHz spacing (our reading of
 * the ZigBee sub-GHz pages; GBCS 10.6.2 gives the normative table).
 */
export function frequencyMHz(c: SubGhzChannel): number {
  checkChannel(c);
  if (c.page === 31) return 915.35 + 0.2 * c.index;
  const lower = c.page === 28 ? c.index : c.page === 29 ? 27 + c.index : 35 + c.index;
  return 863.25 + 0.2 * lower;
}

export function channelKey(c: HanChannel): string {
  return c.band === '2.4GHz' ? `2.4/${c.channel}` : `sub/${c.page}/${c.index}`;
}

export function formatChannel(c: HanChannel): string {
  return c.band === '2.4GHz' ? `2.4 GHz ch ${c.channel}` : `Sub GHz page ${c.page} ch ${c.index} (${frequencyMHz(c).toFixed(2)} MHz)`;
}

export function check24(channel: number): void {
  if (!Number.isInteger(channel) || channel < 11 || channel > 26) throw new ChannelError(`2.4 GHz channel must be 11-26, got ${channel}`);
}
