import { fromHex } from '../../protocols/bytes.js';
import { GbcsDecodeError } from '../../protocols/errors.js';
import { alertCodeName, hex4, messageCodeInfo } from '../../protocols/gbcs/codes.js';
import { decodeFrame } from '../../protocols/gbcs/frame.js';
import type { TrafficRecord } from '../../hub/premises.js';

/** One traffic line as the page shows it: names instead of numbers, parties labelled. */
export interface TrafficView {
  atMs: number;
  premises: string;
  direction: TrafficRecord['direction'];
  cra: TrafficRecord['cra'];
  /** `0x0027` */
  messageCode: string;
  /** `ECS17b`, `GNCA`, or the hex code when unknown. */
  useCase: string;
  /** What the use case does, e.g. `Read ESME Energy Registers (Import Energy)`. */
  title: string;
  alertCode?: string;
  alertName?: string;
  from: string;
  fromLabel: string;
  to: string;
  toLabel: string;
  note?: string;
  bytes: number;
}

/** A party's short name: the organisation role or device kind that owns an EUI. */
export type Labeller = (eui: string) => string;

export function describeTraffic(r: TrafficRecord, label: Labeller): TrafficView {
  const info = messageCodeInfo(r.messageCode);
  const useCase = info?.useCase ?? hex4(r.messageCode);
  const name = info?.name ?? 'unknown message code';
  const title = name.startsWith(`${useCase} `) ? name.slice(useCase.length + 1) : name;
  const alert = r.cra === 'alert' ? alertCodeOf(r.hex) : undefined;
  const view: TrafficView = {
    atMs: r.atMs,
    premises: r.premises,
    direction: r.direction,
    cra: r.cra,
    messageCode: hex4(r.messageCode),
    useCase,
    title,
    from: r.from,
    fromLabel: r.from === 'unknown' ? 'unknown' : label(r.from),
    to: r.to,
    toLabel: r.to === 'unknown' ? 'unknown' : label(r.to),
    bytes: r.hex.length / 2,
  };
  if (alert !== undefined) {
    view.alertCode = hex4(alert);
    view.alertName = alertCodeName(alert) ?? 'unknown alert code';
  }
  if (r.note) view.note = r.note;
  return view;
}

/**
 * The alert code inside an alert frame: the first element of a DLMS data-notification body, or the GBZ alert
 * header. Undefined when the frame does not show it (a GBT block, an encrypted body, a bad frame): the line
 * is still worth showing with its message code.
 */
export function alertCodeOf(hex: string): number | undefined {
  let frame;
  try {
    frame = decodeFrame(fromHex(hex));
  } catch (e) {
    if (e instanceof GbcsDecodeError) return undefined;
    throw e;
  }
  if (frame.kind === 'gbt') return undefined;
  const p = frame.payload;
  if (p.family === 'gbz') return p.gbz.alert?.alertCode;
  if (p.family !== 'dlms' || p.dlms.type !== 'data-notification') return undefined;
  const body = p.dlms.body;
  const first = body.type === 'structure' ? body.items[0] : undefined;
  return first && 'value' in first && typeof first.value === 'number' ? first.value : undefined;
}
