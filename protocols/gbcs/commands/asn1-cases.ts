import type { Asn1SchemaName, Asn1Schemas, KeyUsageBit, TrustAnchorCellIdentifier } from '../asn1/index.js';
import { formatGeneralizedTime } from '../asn1/index.js';
import { ROLES, parseRole } from '../../smki/profile.js';
import { CommandParamsError, Params } from './params.js';
import type { BuildContext, UseCaseBuilder } from './types.js';

/*
 * ASN.1 (DER) use cases: security credentials (CS02x), joins (CS03/CS04), device log and firmware reads,
 * and the GSME clock. Fields the originator implies (authorising trust anchor cell, sequence number =
 * originator counter) are derived; everything a head-end chooses is a parameter.
 */

function asn1<K extends Asn1SchemaName>(
  useCase: string,
  messageCode: number,
  params: string,
  schema: K,
  build: (p: Params, ctx: BuildContext) => Asn1Schemas[K],
): UseCaseBuilder {
  return {
    useCase,
    messageCode,
    family: 'asn1',
    params,
    build(p, ctx) {
      const value = build(p, ctx);
      p.done();
      return { family: 'asn1', asn1: { schema, value } as never };
    },
  };
}

/** A role as a number (OU code) or a name (`supplier`, `network-operator`, `acb`, ...). */
export function roleParam(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xff) return v;
  if (typeof v === 'string') {
    try {
      return parseRole(v.replace(/[-_\s]/g, ''));
    } catch {
      // fall through to the error below, which names the parameter
    }
  }
  throw new CommandParamsError(path, `expected a remote party role (${Object.keys(ROLES).slice(0, 9).join(', ')} or its number), got ${JSON.stringify(v)}`);
}

function usage(p: Params, key: string): KeyUsageBit {
  return p.oneOf(key, ['ds', 'ka'] as const) === 'ds' ? 'digitalSignature' : 'keyAgreement';
}

/** A certificate as DER hex or PEM text. */
function certificate(p: Params, key: string): { der: string } {
  const v = p.str(key, { what: 'a certificate (DER as hex, or PEM)' });
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(v);
  const der = pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64').toString('hex').toUpperCase() : v.replace(/[\s:]/g, '').toUpperCase();
  if (!/^30(?:[0-9A-F]{2})+$/.test(der)) p.fail(key, 'expected a DER certificate (hex starting 30) or a PEM CERTIFICATE block');
  return { der };
}

/**
 * The trust anchor cell that authorises a credentials command: the originator's DS cell when it signs, the
 * ACB's KA cell when the command is only MAC'd (the ACB never signs CS02a/f in RTDS).
 */
function authorisingCell(ctx: BuildContext): TrustAnchorCellIdentifier {
  return ctx.originatorRole === ROLES.accessControlBroker
    ? { remotePartyRole: ROLES.accessControlBroker, keyUsage: ['keyAgreement'] }
    : { remotePartyRole: ctx.originatorRole, keyUsage: ['digitalSignature'] };
}

function validity(p: Params, ctx: BuildContext): { validityIntervalStart: string; validityIntervalEnd: string } {
  const start = p.time('validityStart', new Date(ctx.now.getTime() - 1_800_000));
  const end = p.time('validityEnd', new Date(ctx.now.getTime() + 1_800_000));
  if (end.getTime() < start.getTime()) p.fail('validityEnd', 'is before validityStart');
  return { validityIntervalStart: formatGeneralizedTime(start), validityIntervalEnd: formatGeneralizedTime(end) };
}

function provideDetails(useCase: string, code: number): UseCaseBuilder {
  return asn1(useCase, code, 'roles[] (remote party roles whose trust anchors to report)', 'ProvideSecurityCredentialDetailsCommand', (p, ctx) => {
    const roles = p.any('roles');
    if (!Array.isArray(roles) || roles.length === 0) return p.fail('roles', 'expected a non-empty array of roles');
    return { authorisingTaCell: authorisingCell(ctx), remotePartyRoles: roles.map((r, i) => roleParam(r, `${p.path}.roles[${i}]`)) };
  });
}

function join(useCase: string, code: number, method: number): UseCaseBuilder {
  const withCert = method === 3;
  return asn1(
    useCase,
    code,
    `device (EUI), deviceType (0 GSME, 1 ESME, 3 GPF, 4 HCALCS, 5 PPMID, 6 type 2)${withCert ? ', certificate (the device KA certificate, optional)' : ''}`,
    'JoinDeviceCommand',
    (p) => ({
      joinMethodAndRole: method,
      entityId: p.hex('device', { length: 8 }),
      deviceType: p.int('deviceType', { max: 255 }),
      ...(withCert && p.has('certificate') ? { certificate: certificate(p, 'certificate') } : {}),
    }),
  );
}

function unjoin(useCase: string, code: number): UseCaseBuilder {
  return asn1(useCase, code, 'device (EUI)', 'UnjoinDeviceCommand', (p) => ({ entityId: p.hex('device', { length: 8 }) }));
}

/** `99991231235959Z` is how a future-dated credentials update is cancelled. */
const CANCEL_TIME = '99991231235959Z';

function seqNumber(v: unknown, path: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new CommandParamsError(path, `expected a sequence number (integer or decimal string), got ${JSON.stringify(v)}`);
}

function updateCredentials(useCase: string, code: number, mode: number): UseCaseBuilder {
  return asn1(
    useCase,
    code,
    'replacements[{certificate, role, usage: ds|ka, cellUsage: 0 management|1 prepayment top-up}], certificationPath[certificate], authorisingRole (default: the originator\'s), executionDateTime (absent = immediate, never = cancel), applyTimeBasedCpvChecks, newFloorSeqNumber, newSpecialistFloorSeqNumbers[{usage, seqNumber}], otherRemotePartySeqNumberChanges[{role, floorSeqNumber, specialistFloorSeqNumbers}]',
    'UpdateSecurityCredentialsCommand',
    (p, ctx) => {
      const replacements = p.objects('replacements', { min: 1 }).map((r) => {
        const cell: TrustAnchorCellIdentifier = { remotePartyRole: roleParam(r.any('role'), `${r.path}.role`), keyUsage: [usage(r, 'usage')] };
        const cellUsage = r.optInt('cellUsage', { max: 1 });
        if (cellUsage !== undefined) cell.cellUsage = cellUsage;
        const cert = certificate(r, 'certificate');
        r.done();
        return { certificate: cert, targetTaCell: cell };
      });
      const chain = p.any('certificationPath', []);
      if (!Array.isArray(chain)) return p.fail('certificationPath', 'expected an array of certificates (DER hex or PEM)');
      const path = chain.map((c, i) => certificate(Params.of({ [`certificationPath[${i}]`]: c }, p.path), `certificationPath[${i}]`));
      // The ACB's own replacement is authorised by the MAC alone: RTDS names no trust anchor cell for it. When
      // the ACB hands over another party's credentials (RTDS "Handover"), that party's DS cell authorises.
      const authorising: TrustAnchorCellIdentifier | undefined = p.has('authorisingRole')
        ? { remotePartyRole: roleParam(p.any('authorisingRole'), `${p.path}.authorisingRole`), keyUsage: ['digitalSignature'] }
        : ctx.originatorRole === ROLES.accessControlBroker
          ? undefined
          : authorisingCell(ctx);
      const specialist = (list: Params[]) =>
        list.map((s) => {
          const v = { seqNumberUsage: s.int('usage', { max: 255 }), seqNumber: seqNumber(s.any('seqNumber'), `${s.path}.seqNumber`) };
          s.done();
          return v;
        });
      const control: Asn1Schemas['UpdateSecurityCredentialsCommand']['control'] = {
        credentialsReplacementMode: mode,
        ...(p.has('applyTimeBasedCpvChecks') ? { applyTimeBasedCpvChecks: p.int('applyTimeBasedCpvChecks', { max: 1 }) } : {}),
        ...(authorising ? { authorisingTaCell: authorising } : {}),
        authorisingSeqNumber: ctx.counter,
        ...(p.has('newFloorSeqNumber') ? { newFloorSeqNumber: seqNumber(p.any('newFloorSeqNumber'), `${p.path}.newFloorSeqNumber`) } : {}),
        ...(p.has('newSpecialistFloorSeqNumbers') ? { newSpecialistFloorSeqNumbers: specialist(p.objects('newSpecialistFloorSeqNumbers')) } : {}),
        ...(p.has('otherRemotePartySeqNumberChanges')
          ? {
              otherRemotePartySeqNumberChanges: p.objects('otherRemotePartySeqNumberChanges').map((c) => {
                const v = {
                  remotePartyRole: roleParam(c.any('role'), `${c.path}.role`),
                  floorSeqNumber: seqNumber(c.any('floorSeqNumber'), `${c.path}.floorSeqNumber`),
                  ...(c.has('specialistFloorSeqNumbers') ? { specialistFloorSeqNumbers: specialist(c.objects('specialistFloorSeqNumbers')) } : {}),
                };
                c.done();
                return v;
              }),
            }
          : {}),
      };
      const when = p.has('executionDateTime') ? p.when('executionDateTime') : undefined;
      if (when === 'now') return p.fail('executionDateTime', 'leave it out for an immediate update (now is not a GeneralizedTime)');
      return {
        control,
        replacements,
        certificationPathCertificates: path,
        ...(when === 'never' ? { executionDateTime: CANCEL_TIME } : when ? { executionDateTime: formatGeneralizedTime(when) } : {}),
      };
    },
  );
}


export const ASN1_USE_CASES: readonly UseCaseBuilder[] = [
  provideDetails('CS02a', 0x0008),
  asn1('CS02c', 0x000a, 'usage: ds|ka (the key pair the device generates)', 'IssueSecurityCredentialsCommand', (p) => ({ keyUsage: [usage(p, 'usage')] })),
  asn1('CS02d', 0x000b, 'certificate (the device certificate, DER hex or PEM)', 'UpdateDeviceCertificateCommand', (p) => ({ certificate: certificate(p, 'certificate') })),
  asn1('CS02e', 0x000c, 'usage: ds|ka', 'ProvideDeviceCertificateCommand', (p) => ({ keyUsage: [usage(p, 'usage')] })),
  provideDetails('CS02f', 0x011b),
  updateCredentials('CS02bSupplierBySupplier', 0x0102, 2),
  updateCredentials('CS02bNOByNO', 0x0103, 3),
  updateCredentials('CS02bACBByACB', 0x0104, 4),
  updateCredentials('CS02bWPByWP', 0x0105, 5),
  updateCredentials('CS02bTransCoSByTransCoS', 0x0106, 6),
  updateCredentials('CS02bSupplierByTransCoS', 0x0107, 7),
  updateCredentials('CS02bAnyExceptAbnormalRootByRecovery', 0x0108, 8),
  updateCredentials('CS02gLoadControllerByLoadController', 0x0125, 10),
  updateCredentials('CS02gLoadControllerBySupplier', 0x0126, 11),
  join('CS03A1', 0x000d, 0),
  join('CS03A2', 0x00ab, 1),
  join('CS03B', 0x000e, 2),
  join('CS03C', 0x00af, 3),
  unjoin('CS04AC', 0x000f),
  unjoin('CS04B', 0x0010),
  asn1('CS07', 0x0013, 'none', 'ReadDeviceJoinDetailsCommand', () => ({})),
  asn1('CS08', 0x0129, 'none', 'ReadFirmwareVersionCommand', () => ({})),
  asn1('GCS28', 0x007f, 'validityStart, validityEnd (ISO times; default now ± 30 min)', 'SetTimeCommand', (p, ctx) => validity(p, ctx)),
];
