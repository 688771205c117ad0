import type { Payload } from '../../protocols/gbcs/payload.js';
import type { FamilyEngine } from '../models/composite.js';
import type { EngineEnv } from '../shared.js';
import { Chf } from './chf.js';
import { Esme } from './esme.js';
import { DlmsRuntime } from './runtime.js';

/**
 * The DLMS COSEM use cases of an ESME or a comms hub function: a COSEM object model served through GBCS
 * access-requests, future-dated activations, protected reads and the device's DLMS alerts.
 */
export function createDlmsEngine(env: EngineEnv): FamilyEngine & { genericAlert(alertCode: number, counter: bigint, at: Date): Payload } {
  const rt = new DlmsRuntime(env);
  rt.personality = env.kind === 'chf' ? new Chf(rt) : new Esme(rt);
  return {
    handle: (req, ctx) => rt.handle(req, ctx),
    seed: (x) => rt.seed(x),
    runTask: (task, ctx) => rt.runTask(task, ctx),
    tick: (ctx) => rt.tick(ctx),
    conformanceEvent: (alert, decrypted, ctx) => rt.conformanceEvent(alert, decrypted, ctx),
    genericAlert: (alertCode, counter, at) => rt.genericAlert(alertCode, counter, at),
  };
}
