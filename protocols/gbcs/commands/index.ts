/*
 * Command builders as a head-end uses them: a payload builder per use case (table.ts), and buildCommand,
 * which frames, signs and MACs the payload the way GBCS requires for the originator's role. Pure: keys come
 * in a Keystore, time and counters from the caller.
 */
export type { BuildContext, UseCaseBuilder } from './types.js';
export { CommandParamsError, Params, type When } from './params.js';
export { USE_CASES, builderForCode, resolveUseCase, suggestUseCases, type Resolution } from './table.js';
export {
  ACB_RELAYED_CODES,
  type BuildCommandOptions,
  type BuiltCommand,
  CommandError,
  TOP_UP_CODES,
  buildCommand,
  buildPayload,
  canonicalPayload,
  composeCommand,
  defaultRelayedRole,
  organisationFor,
  roleLabel,
} from './build.js';
export { invokeId } from './dlms-build.js';
