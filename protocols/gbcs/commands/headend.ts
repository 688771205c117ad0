import type { KeyAgreementCache, Keystore } from '../../crypto/index.js';
import { ACB_RELAYED_CODES, buildCommand, defaultRelayedRole, organisationFor } from './build.js';
import { resolveUseCase } from './table.js';

/*
 * Commands as a head-end (DSP) would build them: one counter per originating role, strictly increasing, and
 * the ACB's relayed use cases (DBCH, CCS, ...) named with the remote party and that party's counter, as the
 * scenario runner does. Used by the WAN tests, the bench and external tools driving a served estate.
 */
export class HeadEnd {
  private readonly counters = new Map<string, bigint>();

  constructor(
    readonly keystore: Keystore,
    private readonly opts: { now?: () => Date; cache?: KeyAgreementCache; firstCounter?: bigint } = {},
  ) {}

  private next(key: string): bigint {
    const c = (this.counters.get(key) ?? this.opts.firstCounter ?? 1000n) + 1n;
    this.counters.set(key, c);
    return c;
  }

  /** One command's bytes; `as` defaults to supplier. */
  command(useCase: string, to: string, as = 'supplier', params?: unknown): Uint8Array {
    const counter = this.next(as);
    const r = resolveUseCase(useCase);
    const code = r.kind === 'builder' ? r.builder.messageCode : r.kind === 'payload-only' ? r.messageCode : undefined;
    let supplementaryParty: { id: string; counter: bigint } | undefined;
    if (code !== undefined && ACB_RELAYED_CODES.has(code) && /^(acb|4|04)$/i.test(as)) {
      const role = defaultRelayedRole(code);
      const id = organisationFor(this.keystore, role);
      if (id) supplementaryParty = { id, counter: this.next(`role-${role}`) };
    }
    return buildCommand({
      useCase,
      to,
      as,
      counter,
      params,
      keystore: this.keystore,
      ...(this.opts.now ? { now: this.opts.now() } : {}),
      ...(this.opts.cache ? { cache: this.opts.cache } : {}),
      ...(supplementaryParty ? { supplementaryParty } : {}),
    });
  }
}
