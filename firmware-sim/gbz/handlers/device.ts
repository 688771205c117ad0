import { CLUSTER, ZCL_STATUS, type ZclValue } from '../../../protocols/gbcs/gbz/index.js';
import { type Handler, num, reply, status, time } from '../call.js';
import { utc, utcToDate } from '../rules.js';
import { EVENT_CONFIG, eventConfigFor } from '../state.js';
import { octetsToText, textToOctets } from './general.js';

/*
 * Device Management (change of tenancy and supplier, PINs, site id / MPRN, CIN, event configuration),
 * Events (the logs and their clearing) and Messaging (consumer messages on the HAN displays).
 */

const DM = CLUSTER.deviceManagement;
const M = CLUSTER.metering;

/** Snapshot cause "change of tenancy" (ZSE snapshot cause bit 12). */
const CAUSE_CHANGE_OF_TENANCY = 0x1000;
const CAUSE_CHANGE_OF_SUPPLIER = 0x2000;

const publishChangeOfTenancy: Handler = (c) => {
  const f = c.f;
  c.s.attrs.set(DM, 'changeOfTenancyUpdateDateTime', f.implementationDateTime ?? 0);
  c.s.attrs.set(DM, 'proposedTenancyChangeControl', num(f.proposedTenancyChangeControl));
  c.s.device.tenancy = {
    providerId: num(f.providerId),
    issuerEventId: num(f.issuerEventId),
    tariffType: num(f.tariffType),
    at: (f.implementationDateTime as string | number) ?? 0,
    control: num(f.proposedTenancyChangeControl),
  };
  return status(
    c.effect('dm.tenancy', time(f.implementationDateTime), () => {
      // The outgoing tenant's data is closed off by a billing data log entry.
      const at = c.ctx.now.getTime();
      c.core.pushSnapshot(c.s.metering.snapshots, c.core.takeSnapshot(CAUSE_CHANGE_OF_TENANCY, at));
      c.core.pushSnapshot(c.s.prepayment.snapshots, c.core.prepaySnapshot(CAUSE_CHANGE_OF_TENANCY, at));
      return 0;
    }),
  );
};

const publishChangeOfSupplier: Handler = (c) => {
  const f = c.f;
  const a = c.s.attrs;
  a.set(DM, 'proposedProviderId', num(f.proposedProviderId));
  a.set(DM, 'proposedProviderName', textToOctets(f.proposedProviderName));
  a.set(DM, 'proposedProviderChangeDateTime', f.providerChangeImplementationTime ?? 0);
  a.set(DM, 'proposedProviderChangeControl', num(f.providerChangeControl));
  a.set(DM, 'proposedProviderContactDetails', textToOctets(f.proposedProviderContactDetails));
  return status(
    c.effect('dm.supplier', time(f.providerChangeImplementationTime), () => {
      a.set(DM, 'providerId', num(f.proposedProviderId));
      a.set(DM, 'providerName', textToOctets(f.proposedProviderName));
      a.set(DM, 'providerContactDetails', textToOctets(f.proposedProviderContactDetails));
      if (num(f.currentProviderId) !== num(f.proposedProviderId)) {
        const at = c.ctx.now.getTime();
        c.core.pushSnapshot(c.s.metering.snapshots, c.core.takeSnapshot(CAUSE_CHANGE_OF_SUPPLIER, at));
      }
      return 0;
    }),
  );
};

/** Supplier-set passwords and PINs (password type 1 service menu, 2 consumer menu PIN, ...). */
const requestNewPasswordResponse: Handler = (c) =>
  status(
    c.effect(`dm.password.${num(c.f.passwordType)}`, time(c.f.implementationDateTime), () => {
      c.s.device.passwords.set(num(c.f.passwordType), c.f.password ?? '');
      return 0;
    }),
  );

const updateSiteId: Handler = (c) =>
  status(
    c.effect('dm.siteId', time(c.f.siteIdTime), () => {
      c.s.attrs.set(M, 'siteId', textToOctets(c.f.siteId));
      return 0;
    }),
  );

const updateCin: Handler = (c) =>
  status(
    c.effect('dm.cin', time(c.f.cinImplementationTime), () => {
      c.s.attrs.set(M, 'customerIdNumber', textToOctets(c.f.customerIdNumber));
      return 0;
    }),
  );

/** The events a Set Event Configuration applies to (by list, group, log or current configuration). */
function eventsAddressed(c: Parameters<Handler>[0]): number[] {
  const p = (c.f.eventConfigurationPayload ?? {}) as Record<string, ZclValue>;
  const known = [...c.s.events.config.keys()];
  switch (num(c.f.configurationControl)) {
    case 0:
      return ((p.eventIds as number[]) ?? []).slice();
    case 1: {
      // An event group is the high byte of the event id (0x81xx, 0x8Fxx ...).
      const g = num(p.eventGroupId);
      return known.filter((id) => (id & 0xff00) === (g & 0xff00));
    }
    case 2:
      return known.filter((id) => (eventConfigFor(c.s, id) & EVENT_CONFIG.logMask) === num(p.logId));
    case 3:
      return known.filter((id) => eventConfigFor(c.s, id) === num(p.configurationValueMatch));
    default:
      return [];
  }
}

const setEventConfiguration: Handler = (c) => {
  if (num(c.f.configurationControl) > 3) return status(ZCL_STATUS.invalidField);
  const ids = eventsAddressed(c);
  const cfg = num(c.f.eventConfiguration);
  return status(
    c.effect(`dm.eventConfiguration.${num(c.f.issuerEventId)}.${c.comp.sequenceNumber}`, time(c.f.startDateTime), () => {
      for (const id of ids) c.s.events.config.set(id, cfg);
      return 0;
    }),
  );
};

/** An event id whose low byte is 0xFF stands for its whole group; 0xFFFF for every event. */
const getEventConfiguration: Handler = (c) => {
  const id = num(c.f.eventId);
  const all = [...c.s.events.config.entries()];
  const hits = id === 0xffff ? all : (id & 0xff) === 0xff ? all.filter(([e]) => (e & 0xff00) === (id & 0xff00)) : all.filter(([e]) => e === id);
  if (!hits.length) return status(ZCL_STATUS.notFound);
  return reply('reportEventConfiguration', { commandIndex: 0, totalCommands: 1, eventConfigurations: hits.map(([eventId, eventConfiguration]) => ({ eventId, eventConfiguration })) });
};

const getSiteId: Handler = (c) =>
  reply('updateSiteId', { issuerEventId: 0, siteIdTime: 0, providerId: c.s.attrs.num(DM, 'providerId'), siteId: octetsToText(c.s.attrs.get(M, 'siteId')) });

const getCin: Handler = (c) => reply('updateCin', { issuerEventId: 0, cinImplementationTime: 0, providerId: c.s.attrs.num(DM, 'providerId'), customerIdNumber: octetsToText(c.s.attrs.get(M, 'customerIdNumber')) });

const getChangeOfTenancy: Handler = (c) => {
  const t = c.s.device.tenancy;
  if (!t) return status(ZCL_STATUS.notFound);
  return reply('publishChangeOfTenancy', { providerId: t.providerId, issuerEventId: t.issuerEventId, tariffType: t.tariffType, implementationDateTime: t.at, proposedTenancyChangeControl: t.control });
};

export const DEVICE_MANAGEMENT_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['publishChangeOfTenancy', publishChangeOfTenancy],
  ['publishChangeOfSupplier', publishChangeOfSupplier],
  ['requestNewPasswordResponse', requestNewPasswordResponse],
  ['updateSiteId', updateSiteId],
  ['updateCin', updateCin],
  ['setEventConfiguration', setEventConfiguration],
  ['getEventConfiguration', getEventConfiguration],
  ['getSiteId', getSiteId],
  ['getCin', getCin],
  ['getChangeOfTenancy', getChangeOfTenancy],
]);

// ---- Events -----------------------------------------------------------------------------------------------

/** ZSE log ids: 0 all, 1 tamper, 2 fault, 3 general event, 4 security event, 5 network event. */
const SECURITY_LOG = 4;

const getEventLog: Handler = (c) => {
  const logId = num(c.f.eventControlLogId) & 0x0f;
  const eventId = num(c.f.eventId);
  const from = utcToDate(time(c.f.startTime))?.getTime() ?? 0;
  const endRaw = time(c.f.endTime);
  const to = endRaw === undefined || endRaw === 0 || (typeof endRaw === 'number' && endRaw >= 0xfffffffe) ? Infinity : (utcToDate(endRaw)?.getTime() ?? Infinity);
  const logs = logId === 0 ? [...c.s.events.logs.values()].flat() : (c.s.events.logs.get(logId) ?? []);
  const matching = logs.filter((e) => (eventId === 0 || e.eventId === eventId) && e.time >= from && e.time <= to).sort((a, b) => a.time - b.time);
  const offset = num(c.f.eventOffset);
  const n = num(c.f.numberOfEvents);
  const chosen = matching.slice(offset, n > 0 ? offset + n : undefined);
  if (!chosen.length) return status(ZCL_STATUS.notFound);
  return reply('publishEventLog', {
    totalNumberOfMatchingEvents: matching.length,
    commandIndex: 0,
    totalCommands: 1,
    // RTDS GSMEs leave this byte 0: the events run to the end of the payload.
    numberOfEventsLogPayloadControl: 0,
    events: chosen.map((e) => ({ logId: e.logId, eventId: e.eventId, eventTime: utc(new Date(e.time)), eventData: e.data })),
  });
};

/** Clears the named log (0: all); the security log cannot be cleared remotely. Reply: bitmap of cleared logs. */
const clearEventLogRequest: Handler = (c) => {
  const logId = num(c.f.logId);
  let cleared = 0;
  if (c.fault === undefined) {
    const ids = logId === 0 ? [1, 2, 3, 5] : logId === SECURITY_LOG ? [] : [logId];
    for (const id of ids) {
      if (id > 7) continue;
      c.s.events.logs.set(id, []);
      cleared |= 1 << id;
    }
    if (cleared) c.core.raiseEvent(c.ctx, 0x8f52, c.now);
  }
  return { replies: [{ command: 'clearEventLogResponse', fields: { clearedEventsLogs: cleared } }], failed: c.fault !== undefined };
};
clearEventLogRequest.reportsOwnFault = true;

export const EVENTS_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['getEventLog', getEventLog],
  ['clearEventLogRequest', clearEventLogRequest],
]);

// ---- Messaging ----------------------------------------------------------------------------------------------

const displayMessage: Handler = (c) => {
  const f = c.f;
  c.s.messaging.current = {
    messageId: num(f.messageId),
    messageControl: num(f.messageControl),
    startTime: (f.startTime as string | number) ?? 0,
    durationInMinutes: num(f.durationInMinutes),
    message: f.message ?? '',
  };
  return status(0);
};

const cancelMessage: Handler = (c) => {
  const cur = c.s.messaging.current;
  if (!cur || cur.messageId !== num(c.f.messageId)) return status(ZCL_STATUS.notFound);
  c.s.messaging.current = undefined;
  return status(0);
};

const cancelAllMessages: Handler = (c) => {
  c.s.messaging.current = undefined;
  return status(0);
};

const getLastMessage: Handler = (c) => {
  const m = c.s.messaging.current;
  if (!m) return status(ZCL_STATUS.notFound);
  return reply('displayMessage', { messageId: m.messageId, messageControl: m.messageControl, startTime: m.startTime, durationInMinutes: m.durationInMinutes, message: m.message });
};

const messageConfirmation: Handler = (c) => {
  const m = c.s.messaging.current;
  if (!m || m.messageId !== num(c.f.messageId)) return status(ZCL_STATUS.notFound);
  m.confirmed = utcToDate(time(c.f.confirmationTime))?.getTime() ?? c.now.getTime();
  c.core.raiseEvent(c.ctx, 0x81a6, c.now);
  return status(0);
};

export const MESSAGING_HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['displayMessage', displayMessage],
  ['displayProtectedMessage', displayMessage],
  ['cancelMessage', cancelMessage],
  ['cancelAllMessages', cancelAllMessages],
  ['getLastMessage', getLastMessage],
  ['messageConfirmation', messageConfirmation],
]);

