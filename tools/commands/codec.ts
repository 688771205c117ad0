import type { Command } from 'commander';
import { toHex } from '../../protocols/bytes.js';
import { decodeFrameWithLayout, encodeFrame } from '../../protocols/gbcs/frame.js';
import { checkFrame, summarize } from '../../protocols/gbcs/inspect.js';
import { type SecurityContext, createSecurityContext, verifyFrame } from '../../protocols/gbcs/security.js';
import { parseEui64 } from '../../protocols/eui.js';
import { loadKeystoreDir } from '../keystore-dir.js';
import { parseJsonText, readFrameArg, readStdin, readTextFile } from '../io.js';
import { toJsonText } from '../json.js';

function securityFrom(opts: { keystore?: string; acb?: string }): SecurityContext | undefined {
  if (!opts.keystore) return undefined;
  return createSecurityContext(loadKeystoreDir(opts.keystore), opts.acb ? parseEui64(opts.acb, '--acb') : undefined);
}

export function registerCodecCommands(program: Command, out: (s: string) => void): void {
  program
    .command('decode')
    .description('decode one GBCS frame to JSON (hex for bytes, ISO times); with --keystore also verify and decrypt')
    .argument('<input>', 'hex text, a file holding hex, or - for stdin')
    .option('--keystore <dir>', 'keystore directory (<eui>-ds.pem, -ka.pem, -ka.key, ...)')
    .option('--acb <eui>', 'EUI of the access control broker (default: the role-04 organisation in the keystore)')
    .action((input: string, opts: { keystore?: string; acb?: string }) => {
      const { bytes } = readFrameArg(input);
      const sec = securityFrom(opts);
      const { frame, layout } = decodeFrameWithLayout(bytes);
      const doc: Record<string, unknown> = { summary: summarize(frame), frame };
      if (sec) doc.security = verifyFrame(bytes, frame, layout, sec);
      out(toJsonText(doc));
    });

  program
    .command('encode')
    .description('encode a frame from JSON (the output of decode, or its "frame" member) and print hex')
    .argument('<input>', 'JSON file, or - for stdin')
    .action((input: string) => {
      const text = input === '-' ? readStdin() : readTextFile(input);
      const doc = parseJsonText(text, input === '-' ? 'stdin' : input) as Record<string, unknown> | null;
      const frame = doc && typeof doc === 'object' && 'frame' in doc ? doc.frame : doc;
      out(toHex(encodeFrame(frame)));
    });

  program
    .command('check')
    .description('for each .HEX file: decode, re-encode and compare bytes, verify MAC/signature where the keystore allows')
    .argument('<files...>', 'files holding one hex frame each')
    .option('--keystore <dir>', 'keystore directory')
    .option('--acb <eui>', 'EUI of the access control broker')
    .action((files: string[], opts: { keystore?: string; acb?: string }) => {
      const sec = securityFrom(opts);
      let passed = 0;
      let failed = 0;
      for (const file of files) {
        let line: string;
        try {
          const { bytes } = readFrameArg(file);
          const r = checkFrame(bytes, sec);
          if (r.status === 'ok') line = 'ok';
          else if (r.status === 'unverifiable') line = `ok (unverifiable: ${r.reason})`;
          else line = `FAIL ${r.reason}`;
        } catch (e) {
          line = `FAIL ${(e as Error).message}`;
        }
        if (line.startsWith('ok')) passed++;
        else failed++;
        out(`${file}: ${line}`);
      }
      out(`${passed} passed, ${failed} failed`);
      if (failed) process.exitCode = 1;
    });
}
