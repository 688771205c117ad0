import type { Payload } from '../../protocols/gbcs/payload.js';
import type { FamilyEngine } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';

// Placeholder until the dlms engine lands: refuses every command, so conformance reports it plainly.
export function createDlmsEngine(env: EngineEnv): FamilyEngine & { genericAlert(alertCode: number, counter: bigint, at: Date): Payload } {
  return {
    handle: () => ({ ignore: `no dlms use cases on a ${env.kind} yet` }),
    genericAlert: () => {
      throw new RangeError('generic alerts are not built yet');
    },
  };
}
