/**
 * Core's address loop in `ThreadOpenConnections`: which address to dial for a connection decision.
 * The judgement is pure (policy/outbound.ts: `chooseAnchor`, `judgeCandidate`); this loop only asks
 * the address table for candidates — up to 100, Core's bound — and carries out the one effect Core
 * has inside the loop: a tried-table collision whose occupant we are already connected to is marked
 * good instead of being tested by a feeler. Anchors are not touched: the result says how many were
 * consumed, and the caller drops them.
 */
import type { AddressRecord } from '../address/record.js';
import type { AddrMan } from '../addrman/addrman.js';
import {
  chooseAnchor, judgeCandidate, MAX_SELECT_TRIES, type CandidateRules, type ConnectionDecision, type SkipReason,
} from './policy/outbound.js';

/** What `chooseOutboundAddress` needs to know. */
export interface AddressChoiceInput extends CandidateRules {
  /** The address table candidates come from. */
  addrman: AddrMan;
  /** The connection to choose an address for. */
  decision: ConnectionDecision;
  /** Now, ms. */
  nowMs: number;
  /** Anchors left (taken from the end, as Core pops them). */
  anchors: readonly AddressRecord[];
}

/** The chosen address, or undefined with the reasons candidates were skipped. */
export interface AddressChoice {
  record: AddressRecord | undefined;
  /** The record is an anchor. */
  anchor: boolean;
  /** Anchors consumed from the end of `anchors` (chosen or dropped as unusable); the caller removes them. */
  anchorsConsumed: number;
  /** Candidates drawn from the table. */
  tries: number;
  /** Why candidates were skipped, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
}

/**
 * Anchors first (for an anchor decision), else up to 100 addresses from the table: feelers test
 * tried-table collisions first, then new-table addresses; an extra-network peer draws from its
 * network; a service-deficit peer draws with the required services; others draw from every reachable
 * network. Each candidate is judged by `judgeCandidate`.
 */
export function chooseOutboundAddress(input: AddressChoiceInput): AddressChoice {
  const { addrman, decision } = input;
  const skipped: Partial<Record<SkipReason, number>> = {};
  const feeler = decision.type === 'feeler';
  let anchorsConsumed = 0;
  if (decision.type === 'block-relay-only' && decision.anchor) {
    const a = chooseAnchor(input.anchors, input);
    anchorsConsumed = a.consumed;
    if (a.record) return { record: a.record, anchor: true, anchorsConsumed, tries: 0, skipped };
  }
  const reachable = [...input.reachable];
  addrman.resolveCollisions();
  let tries = 0;
  while (tries < MAX_SELECT_TRIES) {
    tries++;
    let picked: { record: AddressRecord; lastTry: number } | undefined;
    if (feeler) {
      picked = addrman.selectTriedCollision();
      if (picked && input.isConnected(picked.record.service)) {
        // Testing an address we are already connected to would evict a live peer: mark it good instead.
        addrman.good(picked.record.service);
        picked = undefined;
      }
      if (!picked || !picked.record.service.addr.isValid()) picked = addrman.select({ newOnly: true, networks: reachable });
    } else if (decision.type === 'outbound-full-relay' && decision.preferredNetwork !== undefined) {
      picked = addrman.select({ networks: [decision.preferredNetwork] });
    } else if (decision.type === 'outbound-full-relay' && decision.requiredServices) {
      const r = addrman.selectForConnection({ requiredServices: decision.requiredServices, networks: reachable });
      picked = r ? { record: r, lastTry: addrman.getInfo(r.service)?.lastTry ?? 0 } : undefined;
    } else {
      picked = addrman.select({ networks: reachable });
    }
    if (!picked) break;
    const verdict = judgeCandidate({ record: picked.record, lastTryS: picked.lastTry }, tries, input.nowMs, feeler, input);
    if (verdict === 'accept') return { record: picked.record, anchor: false, anchorsConsumed, tries, skipped };
    if (verdict === 'stop') break;
    skipped[verdict] = (skipped[verdict] ?? 0) + 1;
  }
  return { record: undefined, anchor: false, anchorsConsumed, tries, skipped };
}
