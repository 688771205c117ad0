import { createPublicKey } from 'node:crypto';
import { fromHex, toHex } from '../../protocols/bytes.js';
import type { KeyUsageBit, KeyUsageRequest, UpdateDeviceCertificateCommand } from '../../protocols/gbcs/asn1/index.js';
import { POLICY_SETS, type SmkiCertificate, SmkiError, deriveKeyPair, readCertificate } from '../../protocols/smki/index.js';
import type { HandlerContext, HandlerResult, Request } from '../device.js';
import type { Exchange } from '../models/composite.js';
import { certificationRequest } from './csr.js';
import { type EngineCtx, asn1, respond } from './respond.js';
import type { DeviceKeyUsage } from './state.js';

/*
 * The device's own credentials: CS02c generates a key pair and asks for a certificate, CS02d installs the
 * certificate (and with it the new key), CS02e hands the installed certificate out.
 */

/** CS02d response codes. */
const CS02D = { ok: 0, invalidCertificate: 1, wrongIdentity: 2, invalidKeyUsage: 3, noKeyPair: 4, wrongPublicKey: 5 } as const;

function usageOf(bits: readonly KeyUsageBit[]): DeviceKeyUsage | undefined {
  if (bits.length !== 1) return undefined;
  return bits[0] === 'digitalSignature' ? 'ds' : bits[0] === 'keyAgreement' ? 'ka' : undefined;
}

function readDeviceCertificate(derHex: string): SmkiCertificate | undefined {
  try {
    return readCertificate(fromHex(derHex));
  } catch (e) {
    if (e instanceof SmkiError) return undefined;
    throw e;
  }
}

/** The hwType a new request names: the one of a certificate the device already holds, else the RTDS one. */
function hwTypeOf(eng: EngineCtx): string {
  for (const d of Object.values(eng.state.deviceCertificates)) {
    const hw = d ? readDeviceCertificate(d)?.hwType : undefined;
    if (hw) return hw;
  }
  return POLICY_SETS.rtds.hwType;
}

export function issueSecurityCredentials(_req: Request, cmd: KeyUsageRequest, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const usage = usageOf(cmd.keyUsage);
  if (!usage) return respond(asn1('IssueSecurityCredentialsResponse', { responseCode: 1 }));
  const fault = eng.state.faults.certificationRequest.get(usage);
  if (fault !== undefined) return respond(asn1('IssueSecurityCredentialsResponse', { responseCode: fault }));
  // A fresh key from the simulation's own randomness, so a replay generates the same key.
  const key = deriveKeyPair(ctx.rng.bytes(32), `cs02c/${ctx.device.eui}/${usage}`).privateKey;
  const csr = certificationRequest({ key, usage: usage === 'ds' ? 'digitalSignature' : 'keyAgreement', eui: ctx.device.eui, hwType: hwTypeOf(eng) });
  eng.state.pendingKeys[usage] = key;
  return respond(asn1('IssueSecurityCredentialsResponse', { certificationRequest: toHex(csr) }));
}

export function updateDeviceCertificate(_req: Request, cmd: UpdateDeviceCertificateCommand, ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const code = (responseCode: number) => respond(asn1('UpdateDeviceCertificateResponse', { responseCode }));
  const cert = readDeviceCertificate(cmd.certificate.der);
  if (!cert || cert.kind !== 'device') return code(CS02D.invalidCertificate);
  const device = ctx.device;
  if (cert.eui !== device.eui) return code(CS02D.wrongIdentity);
  const usage = cert.usage === 'digitalSignature' ? 'ds' : cert.usage === 'keyAgreement' ? 'ka' : undefined;
  if (!usage) return code(CS02D.invalidKeyUsage);
  const fault = eng.state.faults.certificateStorage.get(usage);
  if (fault !== undefined) return code(fault);

  const pending = eng.state.pendingKeys[usage];
  if (pending && createPublicKey(pending).equals(cert.publicKey)) {
    // The certificate is for the key CS02c generated: from now on the device signs / agrees keys with it.
    device.replaceKey(usage, pending);
    delete eng.state.pendingKeys[usage];
    eng.state.deviceCertificates[usage] = toHex(cert.der);
    return code(CS02D.ok);
  }
  const current = usage === 'ds' ? device.dsPublicKey : device.kaPublicKey;
  const held = eng.state.deviceCertificates[usage];
  const heldKey = held ? readDeviceCertificate(held)?.publicKey : undefined;
  if (current.equals(cert.publicKey) || heldKey?.equals(cert.publicKey)) {
    // A re-issued certificate for the key in use.
    eng.state.deviceCertificates[usage] = toHex(cert.der);
    return code(CS02D.ok);
  }
  return code(pending ? CS02D.wrongPublicKey : CS02D.noKeyPair);
}

export function provideDeviceCertificate(_req: Request, cmd: KeyUsageRequest, _ctx: HandlerContext, eng: EngineCtx): HandlerResult {
  const usage = usageOf(cmd.keyUsage);
  if (!usage) return respond(asn1('ProvideDeviceCertificateResponse', { responseCode: 1 }));
  const fault = eng.state.faults.certificateRetrieval.get(usage);
  if (fault !== undefined) return respond(asn1('ProvideDeviceCertificateResponse', { responseCode: fault }));
  const der = eng.state.deviceCertificates[usage];
  return respond(asn1('ProvideDeviceCertificateResponse', der ? { certificate: { der } } : { responseCode: 2 }));
}

/**
 * Certificates are data: a reference that hands out or accepts the device's certificate tells which
 * certificate the device held; error variants tell which operation failed.
 */
export function seedDeviceCredentials(x: Exchange, eng: EngineCtx): void {
  const cmd = x.command.payload;
  const exp = x.expected.payload;
  if (cmd.family !== 'asn1' || exp.family !== 'asn1') return;
  const c = cmd.asn1;
  const e = exp.asn1;
  const f = eng.state.faults;
  if (c.schema === 'IssueSecurityCredentialsCommand' && e.schema === 'IssueSecurityCredentialsResponse') {
    const usage = usageOf(c.value.keyUsage);
    if (usage && 'responseCode' in e.value && e.value.responseCode !== 1) f.certificationRequest.set(usage, e.value.responseCode);
  } else if (c.schema === 'UpdateDeviceCertificateCommand' && e.schema === 'UpdateDeviceCertificateResponse') {
    const cert = readDeviceCertificate(c.value.certificate.der);
    const usage = cert?.usage === 'digitalSignature' ? 'ds' : cert?.usage === 'keyAgreement' ? 'ka' : undefined;
    if (!cert || !usage) return;
    if (e.value.responseCode === CS02D.ok && cert.eui === x.command.header.target) eng.state.deviceCertificates[usage] = toHex(cert.der);
    else if (e.value.responseCode === 6 || e.value.responseCode === 7) f.certificateStorage.set(usage, e.value.responseCode);
  } else if (c.schema === 'ProvideDeviceCertificateCommand' && e.schema === 'ProvideDeviceCertificateResponse') {
    const usage = usageOf(c.value.keyUsage);
    if (!usage) return;
    if ('certificate' in e.value) eng.state.deviceCertificates[usage] = e.value.certificate.der;
    else if (e.value.responseCode === 2) delete eng.state.deviceCertificates[usage];
    else if (e.value.responseCode === 3) f.certificateRetrieval.set(usage, 3);
  }
}
