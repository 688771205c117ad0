import type { ClusterSpec, CommandSpec, FieldSpec, TypeSpec } from './schema.js';
import { CLUSTER } from './zcl-attributes.js';

/*
 * ZCL command layouts, as data: the general (profile-wide) commands and the ZigBee Smart Energy 1.4
 * cluster-specific commands of the clusters GBCS carries in GBZ. Field names are the ZSE field names in
 * camelCase. Layouts follow the ZSE specification; the ones exercised by the RTDS corpus were checked
 * there by exact consumption, round trip and value sanity (see test/gbz.test.ts).
 *
 * Counts that only say how many items follow are not fields of their own: they are the `count` of the
 * list and are recomputed when encoding. Counts that mean something else (totals across several
 * commands, nibble-packed values) stay ordinary fields and the list runs to the end of the payload.
 */

const cmd = (id: number, name: string, fields: readonly FieldSpec[] = []): CommandSpec => ({ id, name, fields });
const opt = (name: string, type: TypeSpec): FieldSpec => [name, type, 'optional'];
const listToEnd = (item: TypeSpec): TypeSpec => ({ list: item });
const record = (...fields: FieldSpec[]): TypeSpec => ({ struct: fields });

const providerId: FieldSpec = ['providerId', 'u32'];
const issuerEventId: FieldSpec = ['issuerEventId', 'u32'];
const issuerTariffId: FieldSpec = ['issuerTariffId', 'u32'];
const issuerCalendarId: FieldSpec = ['issuerCalendarId', 'u32'];
const startTime: FieldSpec = ['startTime', 'utc'];
const commandIndex: FieldSpec = ['commandIndex', 'u8'];
const numberOfCommands: FieldSpec = ['numberOfCommands', 'u8'];
const totalNumberOfCommands: FieldSpec = ['totalNumberOfCommands', 'u8'];
const getEarliest: FieldSpec[] = [
  ['earliestStartTime', 'utc'],
  ['minIssuerEventId', 'u32'],
  ['numberOfCommands', 'u8'],
];
// Publish Price Matrix and Publish Block Thresholds split a tariff over commands behind the same header.
const tariffSubPayloadHeader: FieldSpec[] = [
  providerId,
  issuerEventId,
  startTime,
  issuerTariffId,
  commandIndex,
  numberOfCommands,
  ['subPayloadControl', 'map8'],
];
// Publish Billing Period and Publish Consolidated Bill open with the same billing period.
const billingPeriod: FieldSpec[] = [
  providerId,
  issuerEventId,
  ['billingPeriodStartTime', 'utc'],
  ['billingPeriodDuration', 'u24'],
  ['billingPeriodDurationType', 'map8'],
  ['tariffType', 'map8'],
];
// Metering and Prepayment snapshots share their request window and their publish header (ZSE 1.4).
const snapshotWindow: FieldSpec[] = [
  ['earliestStartTime', 'utc'],
  ['latestEndTime', 'utc'],
  ['snapshotOffset', 'u8'],
  ['snapshotCause', 'map32'],
];
const publishSnapshotHeader: FieldSpec[] = [
  ['snapshotId', 'u32'],
  ['snapshotTime', 'utc'],
  ['totalSnapshotsFound', 'u8'],
  commandIndex,
  totalNumberOfCommands,
  ['snapshotCause', 'map32'],
  ['snapshotPayloadType', 'enum8'],
];

// ---- general commands (frame type 0) ----------------------------------------------------------------------

export const GENERAL_COMMANDS: readonly CommandSpec[] = [
  { ...cmd(0x00, 'readAttributes', [['attributes', listToEnd('attributeRef')]]), attributes: 'request' },
  { ...cmd(0x01, 'readAttributesResponse', [['records', listToEnd('readAttributeStatus')]]), attributes: 'response' },
  { ...cmd(0x02, 'writeAttributes', [['records', listToEnd('attributeValue')]]), attributes: 'request' },
  { ...cmd(0x03, 'writeAttributesUndivided', [['records', listToEnd('attributeValue')]]), attributes: 'request' },
  { ...cmd(0x04, 'writeAttributesResponse', [['records', 'writeAttributeStatuses']]), attributes: 'response' },
  { ...cmd(0x05, 'writeAttributesNoResponse', [['records', listToEnd('attributeValue')]]), attributes: 'request' },
  { ...cmd(0x06, 'configureReporting', [['records', listToEnd('reportingConfiguration')]]), attributes: 'request' },
  { ...cmd(0x07, 'configureReportingResponse', [['records', 'reportingConfigurationStatuses']]), attributes: 'response' },
  { ...cmd(0x08, 'readReportingConfiguration', [['records', listToEnd('reportingConfigurationRef')]]), attributes: 'request' },
  {
    ...cmd(0x09, 'readReportingConfigurationResponse', [['records', listToEnd('reportingConfigurationRecord')]]),
    attributes: 'response',
  },
  { ...cmd(0x0a, 'reportAttributes', [['records', listToEnd('attributeValue')]]), attributes: 'response' },
  cmd(0x0b, 'defaultResponse', [
    ['commandId', 'u8'],
    ['statusCode', 'status'],
  ]),
  cmd(0x0c, 'discoverAttributes', [
    ['startAttributeId', 'u16'],
    ['maximumAttributeIds', 'u8'],
  ]),
  {
    ...cmd(0x0d, 'discoverAttributesResponse', [
      ['discoveryComplete', 'bool'],
      ['attributes', listToEnd('attributeInfo')],
    ]),
    attributes: 'response',
  },
];

// ---- Price 0x0700 ------------------------------------------------------------------------------------------

const price: ClusterSpec = {
  cluster: CLUSTER.price,
  toServer: [
    cmd(0x00, 'getCurrentPrice', [['commandOptions', 'map8']]),
    cmd(0x01, 'getScheduledPrices', [startTime, ['numberOfEvents', 'u8']]),
    cmd(0x02, 'priceAcknowledgement', [providerId, issuerEventId, ['priceAckTime', 'utc'], ['control', 'map8']]),
    cmd(0x03, 'getBlockPeriods', [startTime, ['numberOfEvents', 'u8'], opt('tariffType', 'map8')]),
    cmd(0x04, 'getConversionFactor', getEarliest),
    cmd(0x05, 'getCalorificValue', getEarliest),
    cmd(0x06, 'getTariffInformation', [...getEarliest, ['tariffType', 'map8']]),
    cmd(0x07, 'getPriceMatrix', [issuerTariffId]),
    cmd(0x08, 'getBlockThresholds', [issuerTariffId]),
    cmd(0x09, 'getCo2Value', [...getEarliest, ['tariffType', 'map8']]),
    cmd(0x0a, 'getTierLabels', [issuerTariffId]),
    cmd(0x0b, 'getBillingPeriod', [...getEarliest, ['tariffType', 'map8']]),
    cmd(0x0c, 'getConsolidatedBill', [...getEarliest, ['tariffType', 'map8']]),
    cmd(0x0d, 'cppEventResponse', [issuerEventId, ['cppAuth', 'enum8']]),
    cmd(0x0e, 'getCreditPayment', [
      ['latestEndTime', 'utc'],
      ['numberOfRecords', 'u8'],
    ]),
    cmd(0x0f, 'getCurrencyConversion'),
    cmd(0x10, 'getTariffCancellation'),
  ],
  toClient: [
    cmd(0x00, 'publishPrice', [
      providerId,
      ['rateLabel', 'text'],
      issuerEventId,
      ['currentTime', 'utc'],
      ['unitOfMeasure', 'enum8'],
      ['currency', 'u16'],
      ['priceTrailingDigitAndPriceTier', 'map8'],
      ['numberOfPriceTiersAndRegisterTier', 'map8'],
      startTime,
      ['durationInMinutes', 'u16'],
      ['price', 'u32'],
      // SE 1.0 stopped here; later versions append the rest.
      opt('priceRatio', 'u8'),
      opt('generationPrice', 'u32'),
      opt('generationPriceRatio', 'u8'),
      opt('alternateCostDelivered', 'u32'),
      opt('alternateCostUnit', 'enum8'),
      opt('alternateCostTrailingDigit', 'map8'),
      opt('numberOfBlockThresholds', 'u8'),
      opt('priceControl', 'map8'),
      opt('numberOfGenerationTiers', 'u8'),
      opt('generationTier', 'enum8'),
      opt('extendedNumberOfPriceTiers', 'u8'),
      opt('extendedPriceTier', 'enum8'),
      opt('extendedRegisterTier', 'enum8'),
    ]),
    cmd(0x01, 'publishBlockPeriod', [
      providerId,
      issuerEventId,
      ['blockPeriodStartTime', 'utc'],
      ['blockPeriodDuration', 'u24'],
      ['blockPeriodControl', 'map8'],
      ['blockPeriodDurationType', 'map8'],
      opt('tariffType', 'map8'),
      opt('tariffResolutionPeriod', 'enum8'),
    ]),
    cmd(0x02, 'publishConversionFactor', [
      issuerEventId,
      startTime,
      ['conversionFactor', 'u32'],
      ['conversionFactorTrailingDigit', 'map8'],
    ]),
    cmd(0x03, 'publishCalorificValue', [
      issuerEventId,
      startTime,
      ['calorificValue', 'u32'],
      ['calorificValueUnit', 'enum8'],
      ['calorificValueTrailingDigit', 'map8'],
    ]),
    cmd(0x04, 'publishTariffInformation', [
      providerId,
      issuerEventId,
      issuerTariffId,
      startTime,
      ['tariffTypeChargingScheme', 'map8'],
      ['tariffLabel', 'text'],
      ['numberOfPriceTiersInUse', 'u8'],
      ['numberOfBlockThresholdsInUse', 'u8'],
      ['unitOfMeasure', 'enum8'],
      ['currency', 'u16'],
      ['priceTrailingDigit', 'map8'],
      ['standingCharge', 'u32'],
      ['tierBlockMode', 'enum8'],
      ['blockThresholdMultiplier', 'u24'],
      ['blockThresholdDivisor', 'u24'],
    ]),
    cmd(0x05, 'publishPriceMatrix', [
      ...tariffSubPayloadHeader,
      ['priceMatrix', listToEnd(record(['tierBlockId', 'u8'], ['price', 'u32']))],
    ]),
    cmd(0x06, 'publishBlockThresholds', [
      ...tariffSubPayloadHeader,
      ['blockThresholds', listToEnd('tierBlockThresholds')],
    ]),
    cmd(0x07, 'publishCo2Value', [
      providerId,
      issuerEventId,
      startTime,
      ['tariffType', 'enum8'],
      ['co2Value', 'u32'],
      ['co2ValueUnit', 'enum8'],
      ['co2ValueTrailingDigit', 'map8'],
    ]),
    cmd(0x08, 'publishTierLabels', [
      providerId,
      issuerEventId,
      issuerTariffId,
      commandIndex,
      numberOfCommands,
      ['tierLabels', { list: record(['tierId', 'u8'], ['tierLabel', 'text']), count: 'u8' }],
    ]),
    cmd(0x09, 'publishBillingPeriod', billingPeriod),
    cmd(0x0a, 'publishConsolidatedBill', [
      ...billingPeriod,
      ['consolidatedBill', 'u32'],
      ['currency', 'u16'],
      ['billTrailingDigit', 'map8'],
    ]),
    cmd(0x0b, 'publishCppEvent', [
      providerId,
      issuerEventId,
      startTime,
      ['durationInMinutes', 'u16'],
      ['tariffType', 'map8'],
      ['cppPriceTier', 'u8'],
      ['cppAuth', 'enum8'],
    ]),
    cmd(0x0c, 'publishCreditPayment', [
      providerId,
      issuerEventId,
      ['creditPaymentDueDate', 'utc'],
      ['creditPaymentOverdueAmount', 'u32'],
      ['creditPaymentStatus', 'enum8'],
      ['creditPayment', 'u32'],
      ['creditPaymentDate', 'utc'],
      ['creditPaymentRef', 'text'],
    ]),
    cmd(0x0d, 'publishCurrencyConversion', [
      providerId,
      issuerEventId,
      startTime,
      ['oldCurrency', 'u16'],
      ['newCurrency', 'u16'],
      ['conversionFactor', 'u32'],
      ['conversionFactorTrailingDigit', 'map8'],
      ['currencyChangeControlFlags', 'map32'],
    ]),
    cmd(0x0e, 'cancelTariff', [providerId, issuerTariffId, ['tariffType', 'map8']]),
  ],
};

// ---- Metering 0x0702 ---------------------------------------------------------------------------------------

/** Publish Snapshot payloads by Snapshot Payload Type (ZSE 1.4 Metering). */
function snapshotRegisters(dir: 'Delivered' | 'Received', billing: boolean, blocks: boolean): TypeSpec {
  const fields: FieldSpec[] = [[`currentSummation${dir}`, 'u48']];
  if (billing) {
    fields.push(
      [`billToDate${dir}`, 'u32'],
      [`billToDateTimeStamp${dir}`, 'utc'],
      [`projectedBill${dir}`, 'u32'],
      [`projectedBillTimeStamp${dir}`, 'utc'],
      [`bill${dir}TrailingDigit`, 'map8'],
    );
  }
  fields.push(['tierSummations', { list: 'u48', count: 'u8' }]);
  if (blocks) {
    // High nibble tiers, low nibble block thresholds; the registers run to the end of the payload.
    fields.push(['numberOfTiersAndBlockThresholdsInUse', 'map8'], ['tierBlockSummations', listToEnd('u48')]);
  }
  return { struct: fields };
}

const metering: ClusterSpec = {
  cluster: CLUSTER.metering,
  toServer: [
    cmd(0x00, 'getProfile', [
      ['intervalChannel', 'enum8'],
      ['endTime', 'utc'],
      ['numberOfPeriods', 'u8'],
    ]),
    cmd(0x01, 'requestMirrorResponse', [['endpointId', 'u16']]),
    cmd(0x02, 'mirrorRemoved', [['removedEndpointId', 'u16']]),
    cmd(0x03, 'requestFastPollMode', [
      ['fastPollUpdatePeriod', 'u8'],
      ['duration', 'u8'],
    ]),
    cmd(0x04, 'scheduleSnapshot', [
      issuerEventId,
      commandIndex,
      totalNumberOfCommands,
      [
        'snapshotSchedules',
        listToEnd(
          record(
            ['snapshotScheduleId', 'u8'],
            ['snapshotStartTime', 'utc'],
            ['snapshotSchedule', 'map24'],
            ['snapshotPayloadType', 'enum8'],
            ['snapshotCause', 'map32'],
          ),
        ),
      ],
    ]),
    cmd(0x05, 'takeSnapshot', [['snapshotCause', 'map32']]),
    cmd(0x06, 'getSnapshot', snapshotWindow),
    cmd(0x07, 'startSampling', [
      issuerEventId,
      ['startSamplingTime', 'utc'],
      ['sampleType', 'enum8'],
      ['sampleRequestInterval', 'u16'],
      ['maxNumberOfSamples', 'u16'],
    ]),
    cmd(0x08, 'getSampledData', [
      ['sampleId', 'u16'],
      ['earliestSampleTime', 'utc'],
      ['sampleType', 'enum8'],
      ['numberOfSamples', 'u16'],
    ]),
    cmd(0x09, 'mirrorReportAttributeResponse', [
      ['notificationScheme', 'u8'],
      ['notificationFlags', listToEnd('map32')],
    ]),
    cmd(0x0a, 'resetLoadLimitCounter', [providerId, issuerEventId]),
    cmd(0x0b, 'changeSupply', [
      providerId,
      issuerEventId,
      ['requestDateTime', 'utc'],
      ['implementationDateTime', 'utc'],
      ['proposedSupplyStatus', 'enum8'],
      ['supplyControlBits', 'map8'],
    ]),
    cmd(0x0c, 'localChangeSupply', [['proposedSupplyStatus', 'enum8']]),
    cmd(0x0d, 'setSupplyStatus', [
      issuerEventId,
      ['supplyTamperState', 'enum8'],
      ['supplyDepletionState', 'enum8'],
      ['supplyUncontrolledFlowState', 'enum8'],
      ['loadLimitSupplyState', 'enum8'],
    ]),
    cmd(0x0e, 'setUncontrolledFlowThreshold', [
      providerId,
      issuerEventId,
      ['uncontrolledFlowThreshold', 'u16'],
      ['unitOfMeasure', 'enum8'],
      ['multiplier', 'u16'],
      ['divisor', 'u16'],
      ['stabilisationPeriod', 'u8'],
      ['measurementPeriod', 'u16'],
    ]),
  ],
  toClient: [
    cmd(0x00, 'getProfileResponse', [
      ['endTime', 'utc'],
      ['status', 'enum8'],
      ['profileIntervalPeriod', 'enum8'],
      ['intervals', { list: 'u24', count: 'u8' }],
    ]),
    cmd(0x01, 'requestMirror'),
    cmd(0x02, 'removeMirror'),
    cmd(0x03, 'requestFastPollModeResponse', [
      ['appliedUpdatePeriod', 'u8'],
      ['fastPollModeEndTime', 'utc'],
    ]),
    cmd(0x04, 'scheduleSnapshotResponse', [
      issuerEventId,
      ['snapshotResponses', listToEnd(record(['snapshotScheduleId', 'u8'], ['snapshotScheduleConfirmation', 'enum8']))],
    ]),
    cmd(0x05, 'takeSnapshotResponse', [
      ['snapshotId', 'u32'],
      ['snapshotConfirmation', 'enum8'],
    ]),
    cmd(0x06, 'publishSnapshot', [
      ...publishSnapshotHeader,
      [
        'snapshotPayload',
        {
          on: 'snapshotPayloadType',
          cases: {
            0: snapshotRegisters('Delivered', true, false),
            1: snapshotRegisters('Received', true, false),
            2: snapshotRegisters('Delivered', true, true),
            3: snapshotRegisters('Received', true, true),
            4: snapshotRegisters('Delivered', false, false),
            5: snapshotRegisters('Received', false, false),
            6: snapshotRegisters('Delivered', false, true),
            7: snapshotRegisters('Received', false, true),
            8: { struct: [] }, // data unavailable
          },
          otherwise: { struct: [['data', 'rest']] },
        },
      ],
    ]),
    cmd(0x07, 'getSampledDataResponse', [
      ['sampleId', 'u16'],
      ['sampleStartTime', 'utc'],
      ['sampleType', 'enum8'],
      ['sampleRequestInterval', 'u16'],
      ['samples', { list: 'u24', count: 'u16' }],
    ]),
    cmd(0x08, 'configureMirror', [
      issuerEventId,
      ['reportingInterval', 'u24'],
      ['mirrorNotificationReporting', 'bool'],
      ['notificationScheme', 'u8'],
    ]),
    cmd(0x09, 'configureNotificationScheme', [
      issuerEventId,
      ['notificationScheme', 'u8'],
      ['notificationFlagOrder', 'map32'],
    ]),
    cmd(0x0a, 'configureNotificationFlags', [
      issuerEventId,
      ['notificationScheme', 'u8'],
      ['notificationFlagAttributeId', 'u16'],
      ['clusterId', 'u16'],
      ['manufacturerCode', 'u16'],
      ['commandIds', { list: 'u8', count: 'u8' }],
    ]),
    cmd(0x0b, 'getNotifiedMessage', [
      ['notificationScheme', 'u8'],
      ['notificationFlagAttributeId', 'u16'],
      ['notificationFlags', 'map32'],
    ]),
    cmd(0x0c, 'supplyStatusResponse', [
      providerId,
      issuerEventId,
      ['implementationDateTime', 'utc'],
      ['supplyStatus', 'enum8'],
    ]),
    cmd(0x0d, 'startSamplingResponse', [['sampleId', 'u16']]),
  ],
};

// ---- Messaging 0x0703 --------------------------------------------------------------------------------------

const displayMessageFields: FieldSpec[] = [
  ['messageId', 'u32'],
  ['messageControl', 'map8'],
  startTime,
  ['durationInMinutes', 'u16'],
  ['message', 'text'],
  opt('extendedMessageControl', 'map8'),
];

const messaging: ClusterSpec = {
  cluster: CLUSTER.messaging,
  toServer: [
    cmd(0x00, 'getLastMessage'),
    cmd(0x01, 'messageConfirmation', [
      ['messageId', 'u32'],
      ['confirmationTime', 'utc'],
      opt('messageConfirmationControl', 'map8'),
      opt('messageConfirmationResponse', 'text'),
    ]),
    cmd(0x02, 'getMessageCancellation', [['earliestImplementationTime', 'utc']]),
  ],
  toClient: [
    cmd(0x00, 'displayMessage', displayMessageFields),
    cmd(0x01, 'cancelMessage', [
      ['messageId', 'u32'],
      ['messageControl', 'map8'],
    ]),
    cmd(0x02, 'displayProtectedMessage', displayMessageFields),
    cmd(0x03, 'cancelAllMessages', [['implementationDateTime', 'utc']]),
  ],
};

// ---- Prepayment 0x0705 -------------------------------------------------------------------------------------

const prepayment: ClusterSpec = {
  cluster: CLUSTER.prepayment,
  toServer: [
    cmd(0x00, 'selectAvailableEmergencyCredit', [
      ['commandIssueDateTime', 'utc'],
      ['originatingDevice', 'enum8'],
    ]),
    cmd(0x02, 'changeDebt', [
      issuerEventId,
      ['debtLabel', 'text'],
      ['debtAmount', 'u32'],
      ['debtRecoveryMethod', 'enum8'],
      ['debtAmountType', 'enum8'],
      ['debtRecoveryStartTime', 'utc'],
      ['debtRecoveryCollectionTime', 'u16'],
      ['debtRecoveryFrequency', 'enum8'],
      ['debtRecoveryAmount', 'u32'],
      ['debtRecoveryBalancePercentage', 'u16'],
    ]),
    cmd(0x03, 'emergencyCreditSetup', [
      issuerEventId,
      startTime,
      ['emergencyCreditLimit', 'u32'],
      ['emergencyCreditThreshold', 'u32'],
    ]),
    cmd(0x04, 'consumerTopUp', [
      ['originatingDevice', 'enum8'],
      ['topUpCode', 'text'],
    ]),
    cmd(0x05, 'creditAdjustment', [
      issuerEventId,
      startTime,
      ['creditAdjustmentType', 'enum8'],
      ['creditAdjustmentValue', 'i32'],
    ]),
    cmd(0x06, 'changePaymentMode', [
      providerId,
      issuerEventId,
      ['implementationDateTime', 'utc'],
      ['proposedPaymentControlConfiguration', 'map16'],
      ['cutOffValue', 'i32'],
    ]),
    cmd(0x07, 'getPrepaySnapshot', snapshotWindow),
    cmd(0x08, 'getTopUpLog', [
      ['latestEndTime', 'utc'],
      ['numberOfRecords', 'u8'],
    ]),
    cmd(0x09, 'setLowCreditWarningLevel', [['lowCreditWarningLevel', 'u32']]),
    cmd(0x0a, 'getDebtRepaymentLog', [
      ['latestEndTime', 'utc'],
      ['numberOfDebts', 'u8'],
      ['debtType', 'enum8'],
    ]),
    cmd(0x0b, 'setMaximumCreditLimit', [
      providerId,
      issuerEventId,
      ['implementationDateTime', 'utc'],
      ['maximumCreditLevel', 'u32'],
      ['maximumCreditPerTopUp', 'u32'],
    ]),
    cmd(0x0c, 'setOverallDebtCap', [
      providerId,
      issuerEventId,
      ['implementationDateTime', 'utc'],
      ['overallDebtCap', 'u32'],
    ]),
  ],
  toClient: [
    cmd(0x01, 'publishPrepaySnapshot', [
      ...publishSnapshotHeader,
      [
        'snapshotPayload',
        {
          on: 'snapshotPayloadType',
          cases: {
            // Debt/Credit Status
            0: record(
              ['accumulatedDebt', 'i32'],
              ['type1DebtRemaining', 'u32'],
              ['type2DebtRemaining', 'u32'],
              ['type3DebtRemaining', 'u32'],
              ['emergencyCreditRemaining', 'i32'],
              ['creditRemaining', 'i32'],
            ),
          },
          otherwise: record(['data', 'rest']),
        },
      ],
    ]),
    cmd(0x02, 'changePaymentModeResponse', [
      ['friendlyCredit', 'map8'],
      ['friendlyCreditCalendarId', 'u32'],
      ['emergencyCreditLimit', 'u32'],
      ['emergencyCreditThreshold', 'u32'],
    ]),
    cmd(0x03, 'consumerTopUpResponse', [
      ['resultType', 'enum8'],
      ['topUpValue', 'i32'],
      ['sourceOfTopUp', 'enum8'],
      ['creditRemaining', 'i32'],
    ]),
    cmd(0x05, 'publishTopUpLog', [
      commandIndex,
      totalNumberOfCommands,
      ['topUps', listToEnd(record(['topUpCode', 'text'], ['topUpAmount', 'i32'], ['topUpTime', 'utc']))],
    ]),
    cmd(0x06, 'publishDebtLog', [
      commandIndex,
      totalNumberOfCommands,
      [
        'debts',
        listToEnd(
          record(['collectionTime', 'utc'], ['amountCollected', 'u32'], ['debtType', 'enum8'], ['outstandingDebt', 'u32']),
        ),
      ],
    ]),
  ],
};

// ---- Calendar 0x0707 ---------------------------------------------------------------------------------------

/** Day schedule entries: a start time (minutes after midnight) and a value whose meaning the calendar type gives. */
const dayScheduleEntries: TypeSpec = {
  on: 'calendarType',
  cases: {
    0x00: listToEnd(record(['startTime', 'u16'], ['priceTier', 'u8'])),
    0x01: listToEnd(record(['startTime', 'u16'], ['priceTier', 'u8'])),
    0x02: listToEnd(record(['startTime', 'u16'], ['priceTier', 'u8'])),
    0x03: listToEnd(record(['startTime', 'u16'], ['friendlyCreditEnable', 'bool'])),
    0x04: listToEnd(record(['startTime', 'u16'], ['auxiliaryLoadSwitchState', 'map8'])),
  },
  otherwise: 'rest',
};

const calendar: ClusterSpec = {
  cluster: CLUSTER.calendar,
  toServer: [
    cmd(0x00, 'getCalendar', [
      ['earliestStartTime', 'utc'],
      ['minIssuerEventId', 'u32'],
      ['numberOfCalendars', 'u8'],
      ['calendarType', 'enum8'],
      providerId,
    ]),
    cmd(0x01, 'getDayProfiles', [providerId, issuerCalendarId, ['startDayId', 'u8'], ['numberOfDays', 'u8']]),
    cmd(0x02, 'getWeekProfiles', [providerId, issuerCalendarId, ['startWeekId', 'u8'], ['numberOfWeeks', 'u8']]),
    cmd(0x03, 'getSeasons', [providerId, issuerCalendarId]),
    cmd(0x04, 'getSpecialDays', [
      startTime,
      ['numberOfEvents', 'u8'],
      ['calendarType', 'enum8'],
      providerId,
      issuerCalendarId,
    ]),
    cmd(0x05, 'getCalendarCancellation'),
  ],
  toClient: [
    cmd(0x00, 'publishCalendar', [
      providerId,
      issuerEventId,
      issuerCalendarId,
      startTime,
      ['calendarType', 'enum8'],
      ['calendarTimeReference', 'u8'],
      ['calendarName', 'text'],
      ['numberOfSeasons', 'u8'],
      ['numberOfWeekProfiles', 'u8'],
      ['numberOfDayProfiles', 'u8'],
    ]),
    cmd(0x01, 'publishDayProfile', [
      providerId,
      issuerEventId,
      issuerCalendarId,
      ['dayId', 'u8'],
      ['totalNumberOfScheduleEntries', 'u8'],
      commandIndex,
      totalNumberOfCommands,
      ['calendarType', 'enum8'],
      ['dayScheduleEntries', dayScheduleEntries],
    ]),
    cmd(0x02, 'publishWeekProfile', [
      providerId,
      issuerEventId,
      issuerCalendarId,
      ['weekId', 'u8'],
      ['dayIdRefMonday', 'u8'],
      ['dayIdRefTuesday', 'u8'],
      ['dayIdRefWednesday', 'u8'],
      ['dayIdRefThursday', 'u8'],
      ['dayIdRefFriday', 'u8'],
      ['dayIdRefSaturday', 'u8'],
      ['dayIdRefSunday', 'u8'],
    ]),
    cmd(0x03, 'publishSeasons', [
      providerId,
      issuerEventId,
      issuerCalendarId,
      commandIndex,
      totalNumberOfCommands,
      ['seasonEntries', listToEnd(record(['seasonStartDate', 'date'], ['weekIdRef', 'u8']))],
    ]),
    cmd(0x04, 'publishSpecialDays', [
      providerId,
      issuerEventId,
      issuerCalendarId,
      startTime,
      ['calendarType', 'enum8'],
      ['totalNumberOfSpecialDays', 'u8'],
      commandIndex,
      totalNumberOfCommands,
      ['specialDayEntries', listToEnd(record(['specialDayDate', 'date'], ['dayIdRef', 'u8']))],
    ]),
    cmd(0x05, 'cancelCalendar', [providerId, issuerCalendarId, ['calendarType', 'enum8']]),
  ],
};

// ---- Device Management 0x0708 ------------------------------------------------------------------------------

const deviceManagement: ClusterSpec = {
  cluster: CLUSTER.deviceManagement,
  toServer: [
    cmd(0x00, 'getChangeOfTenancy'),
    cmd(0x01, 'getChangeOfSupplier'),
    cmd(0x02, 'requestNewPassword', [['passwordType', 'enum8']]),
    cmd(0x03, 'getSiteId'),
    cmd(0x04, 'reportEventConfiguration', [
      commandIndex,
      ['totalCommands', 'u8'],
      ['eventConfigurations', listToEnd(record(['eventId', 'u16'], ['eventConfiguration', 'map8']))],
    ]),
    cmd(0x05, 'getCin'),
  ],
  toClient: [
    cmd(0x00, 'publishChangeOfTenancy', [
      providerId,
      issuerEventId,
      ['tariffType', 'map8'],
      ['implementationDateTime', 'utc'],
      ['proposedTenancyChangeControl', 'map32'],
    ]),
    cmd(0x01, 'publishChangeOfSupplier', [
      ['currentProviderId', 'u32'],
      issuerEventId,
      ['tariffType', 'map8'],
      ['proposedProviderId', 'u32'],
      ['providerChangeImplementationTime', 'utc'],
      ['providerChangeControl', 'map32'],
      ['proposedProviderName', 'text'],
      ['proposedProviderContactDetails', 'text'],
    ]),
    cmd(0x02, 'requestNewPasswordResponse', [
      issuerEventId,
      ['implementationDateTime', 'utc'],
      ['durationInMinutes', 'u16'],
      ['passwordType', 'enum8'],
      ['password', 'text'],
    ]),
    cmd(0x03, 'updateSiteId', [issuerEventId, ['siteIdTime', 'utc'], providerId, ['siteId', 'text']]),
    cmd(0x04, 'setEventConfiguration', [
      issuerEventId,
      ['startDateTime', 'utc'],
      ['eventConfiguration', 'map8'],
      ['configurationControl', 'enum8'],
      [
        'eventConfigurationPayload',
        {
          on: 'configurationControl',
          cases: {
            0: record(['eventIds', { list: 'u16', count: 'u8' }]), // apply by list
            1: record(['eventGroupId', 'u16']), // apply by event group
            2: record(['logId', 'enum8']), // apply by log type
            3: record(['configurationValueMatch', 'map8']), // apply by configuration match
          },
          otherwise: record(['data', 'rest']),
        },
      ],
    ]),
    cmd(0x05, 'getEventConfiguration', [['eventId', 'u16']]),
    cmd(0x06, 'updateCin', [issuerEventId, ['cinImplementationTime', 'utc'], providerId, ['customerIdNumber', 'text']]),
  ],
};

// ---- Events 0x0709 -----------------------------------------------------------------------------------------

const events: ClusterSpec = {
  cluster: CLUSTER.events,
  toServer: [
    cmd(0x00, 'getEventLog', [
      ['eventControlLogId', 'map8'],
      ['eventId', 'u16'],
      startTime,
      ['endTime', 'utc'],
      ['numberOfEvents', 'u8'],
      ['eventOffset', 'u16'],
    ]),
    cmd(0x01, 'clearEventLogRequest', [['logId', 'enum8']]),
  ],
  toClient: [
    cmd(0x00, 'publishEvent', [
      ['logId', 'enum8'],
      ['eventId', 'u16'],
      ['eventTime', 'utc'],
      ['eventControl', 'map8'],
      ['eventData', 'octets'],
    ]),
    cmd(0x01, 'publishEventLog', [
      ['totalNumberOfMatchingEvents', 'u16'],
      commandIndex,
      ['totalCommands', 'u8'],
      // High nibble number of events, low nibble log payload control. RTDS sends 0x00 with 32 events, so
      // the nibble cannot size the list: the events run to the end.
      ['numberOfEventsLogPayloadControl', 'map8'],
      ['events', listToEnd(record(['logId', 'enum8'], ['eventId', 'u16'], ['eventTime', 'utc'], ['eventData', 'octets']))],
    ]),
    cmd(0x02, 'clearEventLogResponse', [['clearedEventsLogs', 'map8']]),
  ],
};

export const CLUSTER_COMMANDS: readonly ClusterSpec[] = [price, metering, messaging, prepayment, calendar, deviceManagement, events];
