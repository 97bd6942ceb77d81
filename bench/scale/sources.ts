/**
 * Source addresses for the load generator's peers. Each simulated peer binds its socket's local end
 * to its own IPv4 address before connecting, so the Peerbook process sees thousands of different
 * remote addresses (and the kernel has a separate ephemeral-port space per source, so no port runs
 * out). Two plans:
 *
 * - `loopback`: 127.a.b.c — all of 127.0.0.0/8 is the loopback network on Linux, usable without any
 *   setup. The addresses spread over the 254 /16 prefixes 127.1–127.254, but note that Core's (and
 *   Peerbook's) `GetGroup` puts every local address into ONE network group, so eviction sees one group.
 * - `routable`: 11.a.b.c — addresses Core treats as routable, so each /16 is its own network group.
 *   Only usable inside a loopback-only network namespace where 11.0.0.0/8 is routed locally on `lo`
 *   (run-scale.ts sets that up with `unshare --net`); nothing can leave the machine from there.
 *
 * Peer i goes to /16 number i mod `groups`, so consecutive peers land in different groups and every
 * group holds ⌈N / groups⌉ or ⌊N / groups⌋ peers. The server's address (x.0.0.1) is never handed out.
 */
import { ArgumentError } from '../../src/util/errors.js';

/** Which address range the peers come from. */
export type SourcePlanKind = 'loopback' | 'routable';

/** First octet of each plan. */
export const PLAN_FIRST_OCTET: Readonly<Record<SourcePlanKind, number>> = { loopback: 127, routable: 11 };
/** /16 prefixes available to peers in one /8 (second octet 1..254; 0 holds the server, 255 is avoided). */
export const MAX_SOURCE_GROUPS = 254;
/** Hosts per /16 handed out (third octet 0..255 × fourth octet 1..254). */
export const HOSTS_PER_GROUP = 256 * 254;

/** How peers are spread over source addresses. */
export interface SourcePlan {
  /** The address range. */
  kind: SourcePlanKind;
  /** Number of /16 prefixes used, 1..MAX_SOURCE_GROUPS. */
  groups: number;
}

/** Checks a plan; throws ArgumentError naming what is wrong. */
export function checkSourcePlan(plan: SourcePlan): void {
  if (plan.kind !== 'loopback' && plan.kind !== 'routable') throw new ArgumentError(`source plan must be loopback or routable, got ${String(plan.kind)}`);
  if (!Number.isInteger(plan.groups) || plan.groups < 1 || plan.groups > MAX_SOURCE_GROUPS) {
    throw new ArgumentError(`source groups must be an integer in [1, ${MAX_SOURCE_GROUPS}], got ${plan.groups}`);
  }
}

/** Most peers a plan can give distinct addresses to. */
export function planCapacity(plan: SourcePlan): number {
  return plan.groups * HOSTS_PER_GROUP;
}

/** The IPv4 address (dotted text) of peer `index` under `plan`; throws ArgumentError past the plan's capacity. */
export function sourceAddress(plan: SourcePlan, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= planCapacity(plan)) {
    throw new ArgumentError(`peer index ${index} outside [0, ${planCapacity(plan)}) for ${plan.groups} source groups`);
  }
  const group = index % plan.groups;
  const host = Math.floor(index / plan.groups);
  const third = Math.floor(host / 254);
  const fourth = 1 + (host % 254);
  return `${PLAN_FIRST_OCTET[plan.kind]}.${1 + group}.${third}.${fourth}`;
}

/** The address the Peerbook process listens on under `plan` (x.0.0.1). */
export function serverAddress(kind: SourcePlanKind): string {
  return `${PLAN_FIRST_OCTET[kind]}.0.0.1`;
}
