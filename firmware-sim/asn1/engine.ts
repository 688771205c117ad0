import type { Payload } from '../../protocols/gbcs/payload.js';
import type { FamilyEngine } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';

// Placeholder until the asn1 engine lands: refuses every command, so conformance reports it plainly.
export function createAsn1Engine(env: EngineEnv): FamilyEngine & { genericAlert(alertCode: number, counter: bigint, at: Date): Payload } {
  return {
    handle: () => ({ ignore: `no asn1 use cases on a ${env.kind} yet` }),
    genericAlert: () => {
      throw new RangeError('generic alerts are not built yet');
    },
  };
}
