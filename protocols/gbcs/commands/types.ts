import type { Eui64 } from '../../eui.js';
import type { UtrnKey } from '../../crypto/index.js';
import type { Payload, PayloadFamily } from '../payload.js';
import type { Params } from './params.js';

/** What a payload builder may depend on besides its parameters. */
export interface BuildContext {
  /** The grouping-header Originator Counter (DLMS invoke-ids and protected-read transaction ids derive from it). */
  counter: bigint;
  /** Business target (the device). */
  target: Eui64;
  /** Business originator: the party whose counter this is. */
  originator: Eui64;
  /** SMKI role of the business originator (2 supplier, 3 network operator, 4 ACB, ...). */
  originatorRole: number;
  /**
   * The remote party the response is for: the supplementary remote party when the ACB relays a command,
   * else the originator. Protected reads name it as the party the data is encrypted to.
   */
  requester: Eui64;
  /** Issue time: ZCL issuer event ids and default read windows derive from it. */
  now: Date;
  /** Supplier prepayment (PP-KA) key × device KA key, when the caller can make UTRNs (CS01a/b). */
  topUpKey?: UtrnKey;
}

export interface UseCaseBuilder {
  /** Use case name as GBCS/RTDS write it (`ECS17b`, `CS02bSupplierBySupplier`). */
  useCase: string;
  messageCode: number;
  family: PayloadFamily;
  /** One line on the parameters, for `--help`-style listings. */
  params: string;
  /**
   * Builds the payload. The result need not be in decoded form (OBIS text, attribute names): `buildPayload`
   * sends it once through the codec so it compares equal to a decoded frame.
   */
  build(p: Params, ctx: BuildContext): Payload;
}
