/*
 * Attribute names and data types of the server side of the clusters GBCS uses (ZigBee Smart Energy 1.4
 * attribute sets, names in camelCase). Data only: the codec uses the names for readability and the types
 * so a device model can answer a Read Attributes with just {name, value}.
 * Types checked against every Read Attributes Response in the RTDS corpus.
 */

// ZCL data type ids used below.
const B8 = 0x10; // boolean
const M8 = 0x18;
const M16 = 0x19;
const M32 = 0x1b;
const M48 = 0x1d;
const M64 = 0x1f;
const U8 = 0x20;
const U16 = 0x21;
const U24 = 0x22;
const U32 = 0x23;
const U48 = 0x25;
const I8 = 0x28;
const I24 = 0x2a;
const I32 = 0x2b;
const E8 = 0x30;
const OS = 0x41;
const CS = 0x42;
const UTC = 0xe2;

export type AttributeDef = readonly [id: number, name: string, type: number];

export const CLUSTER = {
  basic: 0x0000,
  price: 0x0700,
  metering: 0x0702,
  messaging: 0x0703,
  prepayment: 0x0705,
  calendar: 0x0707,
  deviceManagement: 0x0708,
  events: 0x0709,
} as const;

export const CLUSTER_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(CLUSTER).map(([name, id]) => [id, name]),
);

const basic: AttributeDef[] = [
  [0x0000, 'zclVersion', U8],
  [0x0001, 'applicationVersion', U8],
  [0x0002, 'stackVersion', U8],
  [0x0003, 'hwVersion', U8],
  [0x0004, 'manufacturerName', CS],
  [0x0005, 'modelIdentifier', CS],
  [0x0006, 'dateCode', CS],
  [0x0007, 'powerSource', E8],
  [0x0008, 'genericDeviceClass', E8],
  [0x0009, 'genericDeviceType', E8],
  [0x000a, 'productCode', OS],
  [0x000b, 'productUrl', CS],
  [0x000c, 'manufacturerVersionDetails', CS],
  [0x000d, 'serialNumber', CS],
  [0x000e, 'productLabel', CS],
  [0x0010, 'locationDescription', CS],
  [0x0011, 'physicalEnvironment', E8],
  [0x0012, 'deviceEnabled', B8],
  [0x0013, 'alarmMask', M8],
  [0x0014, 'disableLocalConfig', M8],
  [0x4000, 'swBuildId', CS],
];

const price: AttributeDef[] = [
  [0x0200, 'startOfBlockPeriod', UTC],
  [0x0201, 'blockPeriodDuration', U24],
  [0x0202, 'thresholdMultiplier', U24],
  [0x0203, 'thresholdDivisor', U24],
  [0x0204, 'blockPeriodDurationType', M8],
  [0x0300, 'commodityType', E8],
  [0x0301, 'standingCharge', U32],
  [0x0302, 'conversionFactor', U32],
  [0x0303, 'conversionFactorTrailingDigit', M8],
  [0x0304, 'calorificValue', U32],
  [0x0305, 'calorificValueUnit', E8],
  [0x0306, 'calorificValueTrailingDigit', M8],
  [0x0610, 'tariffLabel', OS],
  [0x0611, 'numberOfPriceTiersInUse', U8],
  [0x0612, 'numberOfBlockThresholdsInUse', U8],
  [0x0613, 'tierBlockMode', E8],
  [0x0615, 'unitOfMeasure', E8],
  [0x0616, 'currency', U16],
  [0x0617, 'priceTrailingDigit', M8],
  [0x0619, 'tariffResolutionPeriod', E8],
  [0x0620, 'co2', U32],
  [0x0621, 'co2Unit', E8],
  [0x0622, 'co2TrailingDigit', M8],
  [0x0700, 'currentBillingPeriodStart', UTC],
  [0x0701, 'currentBillingPeriodDuration', U24],
  [0x0702, 'lastBillingPeriodStart', UTC],
  [0x0703, 'lastBillingPeriodDuration', U24],
  [0x0704, 'lastBillingPeriodConsolidatedBill', U32],
  [0x0800, 'creditPaymentDueDate', UTC],
  [0x0801, 'creditPaymentStatus', E8],
  [0x0802, 'creditPaymentOverDueAmount', U32],
  [0x080a, 'paymentDiscount', U32],
  [0x080b, 'paymentDiscountPeriod', E8],
];
for (let n = 1; n <= 48; n++) price.push([n - 1, `tier${n}PriceLabel`, OS]);
// Block thresholds: 0x01TB, T = tier (0 = no tier), B = block - 1; 0x01TF is that tier's threshold count.
for (let t = 0; t < 16; t++) {
  const prefix = t === 0 ? 'block' : `tier${t}Block`;
  for (let b = 0; b < 15; b++) price.push([0x0100 + t * 16 + b, `${prefix}${b + 1}Threshold`, U48]);
  price.push([0x0100 + t * 16 + 15, t === 0 ? 'blockThresholdCount' : `tier${t}BlockThresholdCount`, U8]);
}
// Block prices: 0x04TB, T = tier (0 = no tier), B = block - 1.
for (let t = 0; t < 16; t++) {
  for (let b = 0; b < 16; b++) {
    price.push([0x0400 + t * 16 + b, t === 0 ? `noTierBlock${b + 1}Price` : `tier${t}Block${b + 1}Price`, U32]);
  }
}
for (let k = 1; k <= 5; k++) {
  const base = 0x0800 + k * 16;
  price.push([base, `creditPayment${k}`, U32], [base + 1, `creditPaymentDate${k}`, UTC], [base + 2, `creditPaymentRef${k}`, OS]);
}

const metering: AttributeDef[] = [
  [0x0000, 'currentSummationDelivered', U48],
  [0x0001, 'currentSummationReceived', U48],
  [0x0002, 'currentMaxDemandDelivered', U48],
  [0x0003, 'currentMaxDemandReceived', U48],
  [0x0004, 'dftSummation', U48],
  [0x0005, 'dailyFreezeTime', U16],
  [0x0006, 'powerFactor', I8],
  [0x0007, 'readingSnapShotTime', UTC],
  [0x0008, 'currentMaxDemandDeliveredTime', UTC],
  [0x0009, 'currentMaxDemandReceivedTime', UTC],
  [0x000a, 'defaultUpdatePeriod', U8],
  [0x000b, 'fastPollUpdatePeriod', U8],
  [0x000c, 'currentBlockPeriodConsumptionDelivered', U48],
  [0x000d, 'dailyConsumptionTarget', U24],
  [0x000e, 'currentBlock', E8],
  [0x000f, 'profileIntervalPeriod', E8],
  [0x0011, 'presetReadingTime', U16],
  [0x0012, 'volumePerReport', U16],
  [0x0013, 'flowRestriction', U8],
  [0x0014, 'supplyStatus', E8],
  [0x0015, 'currentInletEnergyCarrierSummation', U48],
  [0x0016, 'currentOutletEnergyCarrierSummation', U48],
  [0x0017, 'inletTemperature', I24],
  [0x0018, 'outletTemperature', I24],
  [0x0019, 'controlTemperature', I24],
  [0x001a, 'currentInletEnergyCarrierDemand', I24],
  [0x001b, 'currentOutletEnergyCarrierDemand', I24],
  [0x001c, 'previousBlockPeriodConsumptionDelivered', U48],
  [0x001d, 'currentBlockPeriodConsumptionReceived', U48],
  [0x001e, 'currentBlockReceived', E8],
  [0x001f, 'dftSummationReceived', U48],
  [0x0020, 'activeRegisterTierDelivered', E8],
  [0x0021, 'activeRegisterTierReceived', E8],
  [0x0022, 'lastBlockSwitchTime', UTC],
  [0x01fc, 'cpp1SummationDelivered', U48],
  [0x01fe, 'cpp2SummationDelivered', U48],
  [0x0200, 'status', M8],
  [0x0201, 'remainingBatteryLife', U8],
  [0x0202, 'hoursInOperation', U24],
  [0x0203, 'hoursInFault', U24],
  [0x0204, 'extendedStatus', M64],
  [0x0205, 'remainingBatteryLifeInDays', U16],
  [0x0206, 'currentMeterId', OS],
  [0x0207, 'ambientConsumptionIndicator', E8],
  [0x0300, 'unitOfMeasure', E8],
  [0x0301, 'multiplier', U24],
  [0x0302, 'divisor', U24],
  [0x0303, 'summationFormatting', M8],
  [0x0304, 'demandFormatting', M8],
  [0x0305, 'historicalConsumptionFormatting', M8],
  [0x0306, 'meteringDeviceType', M8],
  [0x0307, 'siteId', OS],
  [0x0308, 'meterSerialNumber', OS],
  [0x0309, 'energyCarrierUnitOfMeasure', E8],
  [0x030a, 'energyCarrierSummationFormatting', M8],
  [0x030b, 'energyCarrierDemandFormatting', M8],
  [0x030c, 'temperatureUnitOfMeasure', E8],
  [0x030d, 'temperatureFormatting', M8],
  [0x030e, 'moduleSerialNumber', OS],
  [0x030f, 'operatingTariffLabelDelivered', OS],
  [0x0310, 'operatingTariffLabelReceived', OS],
  [0x0311, 'customerIdNumber', OS],
  [0x0312, 'alternativeUnitOfMeasure', E8],
  [0x0313, 'alternativeDemandFormatting', M8],
  [0x0314, 'alternativeConsumptionFormatting', M8],
  [0x0400, 'instantaneousDemand', I24],
  [0x0401, 'currentDayConsumptionDelivered', U24],
  [0x0402, 'currentDayConsumptionReceived', U24],
  [0x0403, 'previousDayConsumptionDelivered', U24],
  [0x0404, 'previousDayConsumptionReceived', U24],
  [0x0405, 'currentPartialProfileIntervalStartTimeDelivered', UTC],
  [0x0406, 'currentPartialProfileIntervalStartTimeReceived', UTC],
  [0x0407, 'currentPartialProfileIntervalValueDelivered', U24],
  [0x0408, 'currentPartialProfileIntervalValueReceived', U24],
  [0x0409, 'currentDayMaxPressure', U48],
  [0x040a, 'currentDayMinPressure', U48],
  [0x040b, 'previousDayMaxPressure', U48],
  [0x040c, 'previousDayMinPressure', U48],
  [0x040d, 'currentDayMaxDemand', I24],
  [0x040e, 'previousDayMaxDemand', I24],
  [0x040f, 'currentMonthMaxDemand', I24],
  [0x0410, 'currentYearMaxDemand', I24],
  [0x0411, 'currentDayMaxEnergyCarrierDemand', I24],
  [0x0412, 'previousDayMaxEnergyCarrierDemand', I24],
  [0x0413, 'currentMonthMaxEnergyCarrierDemand', I24],
  [0x0414, 'currentMonthMinEnergyCarrierDemand', I24],
  [0x0415, 'currentYearMaxEnergyCarrierDemand', I24],
  [0x0416, 'currentYearMinEnergyCarrierDemand', I24],
  [0x0430, 'currentWeekConsumptionDelivered', U24],
  [0x0431, 'currentWeekConsumptionReceived', U24],
  [0x0440, 'currentMonthConsumptionDelivered', U32],
  [0x0441, 'currentMonthConsumptionReceived', U32],
  [0x045c, 'historicalFreezeTime', U24],
  [0x0500, 'maxNumberOfPeriodsDelivered', U8],
  [0x0600, 'currentDemandDelivered', U24],
  [0x0601, 'demandLimit', U24],
  [0x0602, 'demandIntegrationPeriod', U8],
  [0x0603, 'numberOfDemandSubintervals', U8],
  [0x0604, 'demandLimitArmDuration', U16],
  [0x0605, 'loadLimitSupplyState', E8],
  [0x0606, 'loadLimitCounter', U8],
  [0x0607, 'supplyTamperState', E8],
  [0x0608, 'supplyDepletionState', E8],
  [0x0609, 'supplyUncontrolledFlowState', E8],
  [0x0800, 'genericAlarmMask', M16],
  [0x0801, 'electricityAlarmMask', M32],
  [0x0802, 'genericFlowPressureAlarmMask', M16],
  [0x0803, 'waterSpecificAlarmMask', M16],
  [0x0804, 'heatAndCoolingSpecificAlarmMask', M16],
  [0x0805, 'gasSpecificAlarmMask', M16],
  [0x0806, 'extendedGenericAlarmMask', M48],
  [0x0807, 'manufacturerAlarmMask', M16],
  [0x0a00, 'billToDateDelivered', U32],
  [0x0a01, 'billToDateTimeStampDelivered', UTC],
  [0x0a02, 'projectedBillDelivered', U32],
  [0x0a03, 'projectedBillTimeStampDelivered', UTC],
  [0x0a04, 'billDeliveredTrailingDigit', M8],
  [0x0a10, 'billToDateReceived', U32],
  [0x0a11, 'billToDateTimeStampReceived', UTC],
  [0x0a12, 'projectedBillReceived', U32],
  [0x0a13, 'projectedBillTimeStampReceived', UTC],
  [0x0a14, 'billReceivedTrailingDigit', M8],
  [0x0b00, 'proposedChangeSupplyImplementationTime', UTC],
  [0x0b01, 'proposedChangeSupplyStatus', E8],
  [0x0b10, 'uncontrolledFlowThreshold', U16],
  [0x0b11, 'uncontrolledFlowThresholdUnitOfMeasure', E8],
  [0x0b12, 'uncontrolledFlowMultiplier', U16],
  [0x0b13, 'uncontrolledFlowDivisor', U16],
  [0x0b14, 'flowStabilisationPeriod', U8],
  [0x0b15, 'flowMeasurementPeriod', U16],
];
// TOU registers: tier n delivered at 0x0100 + 2(n-1), received one above.
for (let n = 1; n <= 48; n++) {
  metering.push([0x0100 + 2 * (n - 1), `currentTier${n}SummationDelivered`, U48]);
  metering.push([0x0101 + 2 * (n - 1), `currentTier${n}SummationReceived`, U48]);
}
// Older days, weeks and months of the historical consumption set.
for (let k = 2; k <= 8; k++) {
  metering.push([0x0420 + 2 * (k - 2), `previousDay${k}ConsumptionDelivered`, U24]);
  metering.push([0x0421 + 2 * (k - 2), `previousDay${k}ConsumptionReceived`, U24]);
}
for (let k = 1; k <= 5; k++) {
  const n = k === 1 ? '' : String(k);
  metering.push([0x0432 + 2 * (k - 1), `previousWeek${n}ConsumptionDelivered`, U24]);
  metering.push([0x0433 + 2 * (k - 1), `previousWeek${n}ConsumptionReceived`, U24]);
}
for (let k = 1; k <= 13; k++) {
  const n = k === 1 ? '' : String(k);
  metering.push([0x0442 + 2 * (k - 1), `previousMonth${n}ConsumptionDelivered`, U32]);
  metering.push([0x0443 + 2 * (k - 1), `previousMonth${n}ConsumptionReceived`, U32]);
}
// Block registers: 0x07TB delivered, 0x09TB received; T = tier (0 = no tier), B = block - 1.
for (let t = 0; t < 16; t++) {
  for (let b = 0; b < 16; b++) {
    const mid = t === 0 ? `NoTierBlock${b + 1}` : `Tier${t}Block${b + 1}`;
    metering.push([0x0700 + t * 16 + b, `current${mid}SummationDelivered`, U48]);
    metering.push([0x0900 + t * 16 + b, `current${mid}SummationReceived`, U48]);
  }
}

const prepayment: AttributeDef[] = [
  [0x0000, 'paymentControlConfiguration', M16],
  [0x0001, 'creditRemaining', I32],
  [0x0002, 'emergencyCreditRemaining', I32],
  [0x0003, 'creditStatus', M8],
  [0x0004, 'creditRemainingTimeStamp', UTC],
  [0x0005, 'accumulatedDebt', I32],
  [0x0006, 'overallDebtCap', I32],
  [0x0010, 'emergencyCreditLimitAllowance', U32],
  [0x0011, 'emergencyCreditThreshold', U32],
  [0x0020, 'totalCreditAdded', U48],
  [0x0021, 'maxCreditLimit', U32],
  [0x0022, 'maxCreditPerTopUp', U32],
  [0x0030, 'friendlyCreditWarning', U8],
  [0x0031, 'lowCreditWarningLevel', U32],
  [0x0032, 'ihdLowCreditWarningLevel', U32],
  [0x0033, 'interruptSuspendTime', U8],
  [0x0034, 'remainingFriendlyCreditTime', U16],
  [0x0035, 'nextFriendlyCreditPeriod', UTC],
  [0x0040, 'cutOffValue', I32],
  [0x0080, 'tokenCarrierId', OS],
  [0x0400, 'prepaymentAlarmStatus', M16],
  [0x0401, 'prepayGenericAlarmMask', M16],
  [0x0402, 'prepaySwitchAlarmMask', M16],
  [0x0403, 'prepayEventAlarmMask', M16],
  [0x0500, 'historicalCostConsumptionFormatting', M8],
  [0x0501, 'consumptionUnitOfMeasurement', E8],
  [0x0502, 'currencyScalingFactor', E8],
  [0x0503, 'currency', U16],
  [0x051c, 'currentDayCostConsumptionDelivered', U48],
  [0x051d, 'currentDayCostConsumptionReceived', U48],
  [0x051e, 'previousDayCostConsumptionDelivered', U48],
  [0x051f, 'previousDayCostConsumptionReceived', U48],
  [0x0530, 'currentWeekCostConsumptionDelivered', U48],
  [0x0531, 'currentWeekCostConsumptionReceived', U48],
  [0x0532, 'previousWeekCostConsumptionDelivered', U48],
  [0x0533, 'previousWeekCostConsumptionReceived', U48],
  [0x0540, 'currentMonthCostConsumptionDelivered', U48],
  [0x0541, 'currentMonthCostConsumptionReceived', U48],
  [0x0542, 'previousMonthCostConsumptionDelivered', U48],
  [0x0543, 'previousMonthCostConsumptionReceived', U48],
];
// Top-up log #1..#5 at 0x01k0.
for (let k = 1; k <= 5; k++) {
  const base = 0x0100 + (k - 1) * 16;
  prepayment.push(
    [base, `topUpDateTime${k}`, UTC],
    [base + 1, `topUpAmount${k}`, I32],
    [base + 2, `originatingDevice${k}`, E8],
    [base + 3, `topUpCode${k}`, OS],
  );
}
// Debt registers #1..#3 at 0x02k0.
for (let k = 1; k <= 3; k++) {
  const base = 0x0200 + k * 16;
  prepayment.push(
    [base, `debtLabel${k}`, OS],
    [base + 1, `debtAmount${k}`, U32],
    [base + 2, `debtRecoveryMethod${k}`, E8],
    [base + 3, `debtRecoveryStartTime${k}`, UTC],
    [base + 4, `debtRecoveryCollectionTime${k}`, U16],
    [base + 6, `debtRecoveryFrequency${k}`, E8],
    [base + 7, `debtRecoveryAmount${k}`, U32],
    [base + 9, `debtRecoveryTopUpPercentage${k}`, U16],
  );
}
for (let k = 2; k <= 8; k++) {
  prepayment.push([0x0520 + 2 * (k - 2), `previousDay${k}CostConsumptionDelivered`, U48]);
  prepayment.push([0x0521 + 2 * (k - 2), `previousDay${k}CostConsumptionReceived`, U48]);
}

const calendar: AttributeDef[] = [];
for (let k = 1; k <= 8; k++) calendar.push([k - 1, `auxSwitch${k}Label`, OS]);

const deviceManagement: AttributeDef[] = [
  [0x0100, 'providerId', U32],
  [0x0101, 'providerName', OS],
  [0x0102, 'providerContactDetails', OS],
  [0x0110, 'proposedProviderId', U32],
  [0x0111, 'proposedProviderName', OS],
  [0x0112, 'proposedProviderChangeDateTime', UTC],
  [0x0113, 'proposedProviderChangeControl', M32],
  [0x0114, 'proposedProviderContactDetails', OS],
  [0x0200, 'changeOfTenancyUpdateDateTime', UTC],
  [0x0201, 'proposedTenancyChangeControl', M32],
  [0x0300, 'wanStatus', E8],
  [0x0400, 'lowMediumThreshold', U32],
  [0x0401, 'mediumHighThreshold', U32],
];

/** Attributes every cluster has (ZCL global attributes). */
const global: AttributeDef[] = [
  [0xfffd, 'clusterRevision', U16],
  [0xfffe, 'attributeReportingStatus', E8],
];

export const SERVER_ATTRIBUTES: ReadonlyMap<number, readonly AttributeDef[]> = new Map([
  [CLUSTER.basic, basic],
  [CLUSTER.price, price],
  [CLUSTER.metering, metering],
  [CLUSTER.prepayment, prepayment],
  [CLUSTER.calendar, calendar],
  [CLUSTER.deviceManagement, deviceManagement],
]);

export interface AttributeInfo {
  id: number;
  name: string;
  type: number;
}

interface ClusterIndex {
  byId: Map<number, AttributeInfo>;
  byName: Map<string, AttributeInfo>;
}

const INDEX = new Map<number, ClusterIndex>();
const GLOBAL_INDEX = buildIndex([]);

function buildIndex(defs: readonly AttributeDef[]): ClusterIndex {
  const byId = new Map<number, AttributeInfo>();
  const byName = new Map<string, AttributeInfo>();
  for (const [id, name, type] of [...defs, ...global]) {
    const info = { id, name, type };
    byId.set(id, info);
    byName.set(name, info);
  }
  return { byId, byName };
}
for (const [cluster, defs] of SERVER_ATTRIBUTES) INDEX.set(cluster, buildIndex(defs));

/** Server attribute of `clusterId` by id or name (global attributes included), or undefined. */
export function findAttribute(clusterId: number, idOrName: number | string): AttributeInfo | undefined {
  const ix = INDEX.get(clusterId) ?? GLOBAL_INDEX;
  return typeof idOrName === 'number' ? ix.byId.get(idOrName) : ix.byName.get(idOrName);
}
