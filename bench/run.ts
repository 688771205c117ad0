/*
 * `npm run bench`: throughput of the GBCS wire layer over the shared RTDS corpus, one core, in-process.
 * Prints rates and ratios only; nothing here asserts a time (the machines are shared and noisy).
 */
import { decodeFrame, decodeFrameWithLayout } from '../protocols/gbcs/frame.js';
import { createSecurityContext, verifyFrame } from '../protocols/gbcs/security.js';
import { loadKeystoreDir } from '../tools/keystore-dir.js';
import { KEYSTORE_DIR, loadVectors } from '../tools/rtds-corpus.js';

const REFERENCE = { decode: 3200, verify: 1400 }; // a well-known TypeScript GBCS parser on the same corpus

function rate(label: string, frames: Uint8Array[], fn: (b: Uint8Array) => void, seconds = 3): number {
  for (const b of frames) fn(b); // warm-up: JIT and key-agreement cache
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  do {
    for (const b of frames) fn(b);
    n += frames.length;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  const perSec = (n * 1e9) / Number(elapsed);
  console.log(`${label.padEnd(28)} ${Math.round(perSec).toString().padStart(9)} msg/s  (${n} messages)`);
  return perSec;
}

const frames = loadVectors().map((v) => v.bytes);
console.log(`GBCS wire layer over ${frames.length} RTDS frames, one core (node ${process.version})`);
const dec = rate('decode', frames, (b) => decodeFrame(b));
const sec = createSecurityContext(loadKeystoreDir(KEYSTORE_DIR));
const ver = rate('decode+verify+decrypt', frames, (b) => {
  const { frame, layout } = decodeFrameWithLayout(b);
  verifyFrame(b, frame, layout, sec);
});
console.log(`ratio decode / reference parser:        ${(dec / REFERENCE.decode).toFixed(1)}x`);
console.log(`ratio decode+verify / reference parser: ${(ver / REFERENCE.verify).toFixed(1)}x`);
console.log(`ratio decode / decode+verify:           ${(dec / ver).toFixed(1)}x`);

// Round trips through the WebSocket WAN endpoint (bench/ws.ts runs when imported).
await import('./ws.js');
