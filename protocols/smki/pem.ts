import { SmkiError } from './errors.js';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** PEM as OpenSSL writes it: 64-column base64, LF line ends, trailing newline. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n?([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/**
 * Every PEM block in `text`. Strict about what would silently produce a different certificate: mismatched
 * BEGIN/END labels, characters outside base64, bad padding, and a BEGIN with no END.
 */
export function parsePemBlocks(text: string, what = 'PEM'): PemBlock[] {
  if (typeof text !== 'string') throw new SmkiError('malformed-pem', `${what}: expected text, got ${typeof text}`);
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const [, begin, body, end] = m;
    if (begin !== end) throw new SmkiError('malformed-pem', `${what}: BEGIN ${begin} closed by END ${end}`);
    const clean = body!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
      throw new SmkiError('malformed-pem', `${what}: the ${begin} block is not valid base64`);
    }
    const der = new Uint8Array(Buffer.from(clean, 'base64'));
    if (der.length === 0) throw new SmkiError('malformed-pem', `${what}: the ${begin} block is empty`);
    out.push({ label: begin!, der });
  }
  const begins = (text.match(/-----BEGIN /g) ?? []).length;
  if (begins !== out.length) throw new SmkiError('malformed-pem', `${what}: a BEGIN line has no matching END line`);
  return out;
}

/** Exactly one block with `label`; other blocks are an error so a wrong file is not half-used. */
export function parsePem(text: string, label: string, what = 'PEM'): Uint8Array {
  const blocks = parsePemBlocks(text, what);
  if (blocks.length === 0) throw new SmkiError('malformed-pem', `${what}: no PEM block found (expected ${label})`);
  const wanted = blocks.filter((b) => b.label === label);
  if (wanted.length === 0) throw new SmkiError('malformed-pem', `${what}: expected a ${label} block, found ${blocks.map((b) => b.label).join(', ')}`);
  if (blocks.length !== 1) throw new SmkiError('malformed-pem', `${what}: expected one ${label} block, found ${blocks.length} blocks`);
  return wanted[0]!.der;
}
