import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toHex } from '../../protocols/bytes.js';
import { formatEui64, parseEui64 } from '../../protocols/eui.js';
import {
  POLICY_SETS,
  type PartyCredentials,
  Pki,
  type SmkiCertificate,
  describeParty,
  describePolicy,
  dccBoxedToKeystoreFiles,
  keystoreFiles,
  parseDeviceType,
  parsePemBlocks,
  parseRole,
  policySet,
  profileProblems,
  readCertificate,
  readPrivateKey,
  roleHex,
  roleName,
  toPem,
  trustStore,
  validateCertificate,
} from '../../protocols/smki/index.js';
import { UsageError, parseJsonText, readTextFile } from '../io.js';
import { checkFilesInto, writeFilesInto } from '../keystore-write.js';

/*
 * `smets-sim pki …`: a directory-backed SMKI. Layout written by `pki init`:
 *   DIR/pki.json                      seed and policy set, so later commands issue from the same derivation
 *   DIR/ca/root.pem|.key              root (OU=00)
 *   DIR/ca/org-issuing.pem|.key       organisation issuing CA (OU=07)
 *   DIR/ca/device-issuing.pem|.key    device issuing CA
 *   DIR/keystore/<eui>-ds|ka|pp-ka.pem|.key   the RTDS keystore layout other GBCS tools read
 */

const CONFIG_FORMAT = 'smets-sim-pki/1';

interface PkiConfig {
  format: string;
  seed: string;
  policy: string;
}

function readConfig(dir: string): PkiConfig | undefined {
  const path = join(dir, 'pki.json');
  if (!existsSync(path)) return undefined;
  const doc = parseJsonText(readTextFile(path), path) as Partial<PkiConfig> | null;
  if (!doc || typeof doc !== 'object' || doc.format !== CONFIG_FORMAT || typeof doc.seed !== 'string' || typeof doc.policy !== 'string') {
    throw new UsageError(`${path}: not a ${CONFIG_FORMAT} file (needs format, seed and policy)`);
  }
  return doc as PkiConfig;
}

function requireFile(path: string, hint: string): string {
  if (!existsSync(path)) throw new UsageError(`${path} not found (${hint})`);
  return readTextFile(path);
}

function loadPki(dir: string, need: 'device' | 'organisation' | 'none'): Pki {
  if (!existsSync(dir)) throw new UsageError(`PKI directory ${dir} not found (create one with: smets-sim pki init --out ${dir})`);
  const hint = `is ${dir} a directory made by "smets-sim pki init"?`;
  const ca = (n: string) => join(dir, 'ca', n);
  const config = readConfig(dir);
  const pair = (name: string) => ({
    certificate: readCertificate(requireFile(ca(`${name}.pem`), hint), ca(`${name}.pem`)),
    privateKey: readPrivateKey(requireFile(ca(`${name}.key`), hint), ca(`${name}.key`)),
  });
  return Pki.fromCredentials({
    root: readCertificate(requireFile(ca('root.pem'), hint), ca('root.pem')),
    ...(need === 'device' ? { deviceCa: pair('device-issuing') } : {}),
    ...(need === 'organisation' ? { organisationCa: pair('org-issuing') } : {}),
    ...(config ? { seed: config.seed, policy: config.policy } : {}),
  });
}

function parseEui(text: string, option: string) {
  try {
    return parseEui64(text, option);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function time(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** The SMKI reading of a certificate, one "field: value" per line. */
export function describeCertificate(c: SmkiCertificate): string[] {
  const lines: string[] = [];
  const add = (k: string, v: string) => lines.push(`${`${k}:`.padEnd(10)} ${v}`);
  add('kind', c.kind);
  if (c.kind === 'organisation' || c.kind === 'root' || (c.kind === 'ca' && c.role !== undefined)) {
    add('role', c.role === undefined ? '(none)' : `${roleHex(c.role)} ${roleName(c.role)}`);
  }
  if (c.eui) add('eui', `${formatEui64(c.eui)}${c.kind === 'device' ? ' (hwModuleName)' : ' (x500UniqueIdentifier)'}`);
  if (c.commonName !== undefined) add('name', c.commonName);
  add('usage', c.keyUsage.join(', ') || '(no keyUsage)');
  add('policy', c.policies.length ? c.policies.map((p) => `${p} (${describePolicy(p)})`).join(', ') : '(none)');
  if (c.hwType) add('hwType', c.hwType);
  add('issuer', `${c.issuerText}${c.aki ? ` (key id ${c.aki})` : ''}`);
  add('subject', c.subjectText);
  add('serial', toHex(c.serial));
  if (c.ski) add('key id', c.ski);
  add('validity', `${time(c.notBefore)} .. ${time(c.notAfter)}`);
  const problems = profileProblems(c);
  add('profile', problems.length === 0 ? 'conformant' : `${problems.length} problem(s): ${problems.join('; ')}`);
  return lines;
}

function summary(p: PartyCredentials): string {
  const serials = (['ds', 'ka', 'pp-ka'] as const)
    .filter((s) => p.credentials[s])
    .map((s) => `${s} ${p.credentials[s]!.certificate.ski}`)
    .join(', ');
  return `${describeParty(p)} (key ids: ${serials})`;
}

export function registerPkiCommands(program: Command, out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): void {
  const pki = program.command('pki').description('simulated SMKI: issue CA hierarchy, organisation and device credentials; read certificates');

  /** Adds one issued party to DIR/keystore; files already holding the same content are left alone. */
  const writeParty = (dir: string, party: PartyCredentials, force: boolean | undefined): void => {
    const keystore = join(dir, 'keystore');
    const result = writeFilesInto(keystore, keystoreFiles([party]), { overwrite: Boolean(force) });
    out(summary(party));
    out(`${result.written.length} file(s) written, ${result.unchanged.length} already up to date in ${keystore}`);
  };

  pki
    .command('init')
    .description('create a root, organisation CA, device CA and DS/KA credentials for one organisation of each role')
    .requiredOption('--out <dir>', 'directory to create (ca/, keystore/, pki.json)')
    .option('--seed <seed>', 'seed for deterministic issuance (default: random, printed and stored in pki.json)')
    .option('--policy <set>', `policy OID set: ${Object.keys(POLICY_SETS).join(' or ')}`, 'rtds')
    .option('--force', 'replace files that exist with different content')
    .action(async (opts: { out: string; seed?: string; policy: string; force?: boolean }) => {
      const seed = opts.seed ?? String(randomInt(1, 2 ** 47));
      if (seed.trim() === '') throw new UsageError('--seed must not be empty');
      const policy = policySet(opts.policy.toLowerCase());
      const authority = await Pki.create({ seed, policy });
      const parties = await authority.issueDefaultOrganisations();
      const config: PkiConfig = { format: CONFIG_FORMAT, seed, policy: policy.name };
      const overwrite = { overwrite: Boolean(opts.force) };
      // Check every target before writing, so a conflict in keystore/ does not leave a half-written ca/.
      const jobs: Array<[string, Array<{ name: string; text: string }>]> = [
        [join(opts.out, 'ca'), authority.caFiles()],
        [join(opts.out, 'keystore'), keystoreFiles(parties)],
        [opts.out, [{ name: 'pki.json', text: `${JSON.stringify(config, null, 2)}\n` }]],
      ];
      for (const [dir, files] of jobs) checkFilesInto(dir, files, overwrite);
      let written = 0;
      for (const [dir, files] of jobs) written += writeFilesInto(dir, files, overwrite).written.length;
      out(`${authority.describe()}, seed ${seed}`);
      out(`organisation CA ${authority.organisationCa!.certificate.subjectText} (key id ${authority.organisationCa!.certificate.ski})`);
      out(`device CA ${authority.deviceCa!.certificate.subjectText} (key id ${authority.deviceCa!.certificate.ski})`);
      for (const p of parties) out(summary(p));
      out(`${written} file(s) written under ${opts.out}`);
    });

  pki
    .command('device')
    .description("issue a device's DS and KA certificates and keys into DIR/keystore")
    .requiredOption('--pki <dir>', 'directory made by pki init')
    .requiredOption('--eui <eui>', 'device EUI-64, e.g. 00-DB-12-34-56-78-90-A0')
    .option('--type <type>', 'esme, gsme, chf, gpf, ppmid or hcalcs', 'esme')
    .option('--force', 'replace files that exist with different content')
    .action(async (opts: { pki: string; eui: string; type: string; force?: boolean }) => {
      const eui = parseEui(opts.eui, '--eui');
      const type = parseDeviceType(opts.type);
      const authority = loadPki(opts.pki, 'device');
      writeParty(opts.pki, await authority.issueDevice({ eui, type }), opts.force);
    });

  pki
    .command('organisation')
    .description("issue an organisation's DS and KA certificates and keys into DIR/keystore")
    .requiredOption('--pki <dir>', 'directory made by pki init')
    .requiredOption('--eui <eui>', 'organisation EUI-64')
    .requiredOption('--role <role>', 'remote party role: supplier, networkOperator, acb, wanProvider, transitionalCoS, recovery, loadController, other, or the OU code')
    .option('--name <cn>', 'common name on the DS certificate')
    .option('--prepayment', 'also issue the prepayment top-up KA (pp-ka) credentials')
    .option('--force', 'replace files that exist with different content')
    .action(async (opts: { pki: string; eui: string; role: string; name?: string; prepayment?: boolean; force?: boolean }) => {
      const eui = parseEui(opts.eui, '--eui');
      const role = parseRole(opts.role);
      const authority = loadPki(opts.pki, 'organisation');
      const party = await authority.issueOrganisation({ role, eui, prepayment: Boolean(opts.prepayment), ...(opts.name ? { name: opts.name } : {}) });
      writeParty(opts.pki, party, opts.force);
    });

  pki
    .command('show')
    .description("print a certificate's SMKI reading: kind, role, EUI, usage, policy, issuer, profile conformance")
    .argument('<pem>', 'PEM file holding one or more certificates')
    .action((file: string) => {
      const text = readTextFile(file);
      const blocks = parsePemBlocks(text, file).filter((b) => b.label === 'CERTIFICATE');
      if (blocks.length === 0) throw new UsageError(`${file}: no CERTIFICATE block found`);
      blocks.forEach((b, i) => {
        if (blocks.length > 1) out(`${i > 0 ? '\n' : ''}# certificate ${i + 1} of ${blocks.length}`);
        for (const line of describeCertificate(readCertificate(toPem('CERTIFICATE', b.der), `${file} certificate ${i + 1}`))) out(line);
      });
    });

  pki
    .command('verify')
    .description('check a certificate as a device would: chain to the PKI root, profile, and optionally role, EUI and usage')
    .argument('<pem>', 'certificate PEM file')
    .requiredOption('--pki <dir>', 'directory made by pki init (its root and issuing CAs are trusted)')
    .option('--role <role>', 'required remote party role (name or OU code)')
    .option('--eui <eui>', 'required EUI')
    .option('--usage <usage>', 'required usage: ds or ka')
    .option('--at <time>', 'also check validity at this ISO time')
    .action((file: string, opts: { pki: string; role?: string; eui?: string; usage?: string; at?: string }) => {
      const ca = (n: string) => join(opts.pki, 'ca', n);
      const hint = `is ${opts.pki} a directory made by "smets-sim pki init"?`;
      const trust = trustStore(
        [requireFile(ca('root.pem'), hint)],
        ['org-issuing.pem', 'device-issuing.pem'].filter((n) => existsSync(ca(n))).map((n) => readTextFile(ca(n))),
      );
      if (opts.usage && opts.usage !== 'ds' && opts.usage !== 'ka') throw new UsageError(`--usage must be ds or ka, got ${JSON.stringify(opts.usage)}`);
      const at = opts.at === undefined ? undefined : new Date(opts.at);
      if (at && Number.isNaN(at.getTime())) throw new UsageError(`--at ${JSON.stringify(opts.at)} is not a date`);
      const result = validateCertificate(readCertificate(readTextFile(file), file), trust, {
        ...(opts.role ? { roles: [parseRole(opts.role)] } : {}),
        ...(opts.eui ? { eui: parseEui(opts.eui, '--eui') } : {}),
        ...(opts.usage ? { usage: opts.usage === 'ds' ? ('digitalSignature' as const) : ('keyAgreement' as const) } : {}),
        ...(at ? { at } : {}),
      });
      out(`${file}: OK (${result.path.map((c) => c.subjectText).join(' <- ')})`);
    });

  pki
    .command('import-dccboxed')
    .description('convert a DCC Boxed keystore.json into the RTDS keystore directory layout')
    .argument('<json>', 'keystore.json file')
    .requiredOption('--out <dir>', 'keystore directory to write')
    .option('--prefer <regex>', 'prefer entries whose name matches, e.g. "^Z1-" (default: the latest certificate per slot)')
    .option('--force', 'replace files that exist with different content')
    .action((file: string, opts: { out: string; prefer?: string; force?: boolean }) => {
      let prefer: RegExp | undefined;
      if (opts.prefer !== undefined) {
        try {
          prefer = new RegExp(opts.prefer);
        } catch (e) {
          throw new UsageError(`--prefer: ${(e as Error).message}`);
        }
      }
      const { files, selection } = dccBoxedToKeystoreFiles(readTextFile(file), { source: file, ...(prefer ? { prefer } : {}) });
      const result = writeFilesInto(opts.out, files, { overwrite: Boolean(opts.force) });
      for (const e of selection.selected) out(`${e.eui.toLowerCase()}-${e.slot}: ${e.name ?? e.serial} (role ${roleHex(e.role ?? e.certificate?.role ?? 0)})`);
      for (const s of selection.skipped) out(`skipped ${s.entry.path}${s.entry.name ? ` (${s.entry.name})` : ''}: ${s.reason}`);
      out(`${result.written.length} file(s) written, ${result.unchanged.length} already up to date in ${opts.out}`);
    });
}
