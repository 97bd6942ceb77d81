/**
 * The peer-set experiment: a few honest `PeerSetNode`s (the real tracker, limiter, authenticated
 * handshake with its real cryptography, on the unmodified connection manager) on the simulator's
 * latency links and virtual clock, tracking each other's keys through a few epochs, and attackers
 * against one of them (the victim):
 *
 * - **untracked keys** — a fresh key from an unregistered IP; a fresh key from an IP registered for a
 *   tracked key (a shared host or NAT); a tracked member's key claimed, without its secret key, from
 *   another registered IP and from the member's own IP while it is connected; a former member's key
 *   after its epochs left the kept window. Each attempt runs the real initiator handshake. Measured: handshakes completed (target 0),
 *   the step that refused each (allow-list, limiter, gate) and the bytes the victim sent back — the
 *   victim's Reply is the first thing it computes with a signature and a Diffie-Hellman, so 0 bytes
 *   means the refusal came before any cryptography;
 * - **handshake floods** — from one IP, from one /24, and silent connections from several /24s (held
 *   until the 5 s handshake deadline, to reach the in-flight cap), all from IPs the victim's sets
 *   register (unregistered IPs never reach the limiter). Measured per phase: attempts admitted by the
 *   limiter and refused per reason, against the bounds the limiter promises (1 per IP per 5 s; 64 per
 *   second per /24 with a burst of 64; 512 in flight), over virtual time.
 *
 * Throughout, every pair of honest core members must stay connected; the checks run after every step.
 */
import { NetAddress } from '../address/netaddress.js';
import { NetService } from '../address/service.js';
import { HANDSHAKE_INTERVAL_PER_IP_MS, HANDSHAKES_PER_SUBNET_PER_SECOND, MAX_CONCURRENT_HANDSHAKES } from '../peerset/constants.js';
import { PeerSetNode } from '../peerset/node.js';
import type { PeerMapInput } from '../peerset/tracker.js';
import { HELLO_KEY_PREFIX_BYTES } from '../transport/secure/authenticated/constants.js';
import { AuthError, AUTH_REJECT_REASONS, type AuthRejectReason } from '../transport/secure/authenticated/errors.js';
import { InitiatorHandshake } from '../transport/secure/authenticated/handshake.js';
import { Identity, type PeerKeyHex } from '../transport/secure/authenticated/identity.js';
import { secureOutbound } from '../transport/secure/authenticated/upgrade.js';
import type { Connection } from '../transport/transport.js';
import { bytesToHex } from '../util/hex.js';
import { ChaChaRandom } from '../util/random.js';
import { ip4Address, type Ip4 } from './address-plan.js';
import { Simulation } from './engine.js';
import type { PeerSetScenario } from './scenario.js';
import { round } from './stats.js';

/** Port every simulated peer-set node listens on. */
export const PEERSET_SIM_PORT = 9_750;
/** The namespace of the simulated network. */
export const PEERSET_SIM_NAMESPACE = 'peerbook-sim-peerset';
/** Virtual time the victim's stop may take (its flush timers run on the simulation's clock), ms. */
const STOP_BUDGET_MS = 30_000;
/** Samples of the flood counters, ms. */
const FLOOD_SAMPLE_INTERVAL_MS = 1_000;
/** Pause between attack phases, so one phase's rate-limiter state does not spill into the next, ms. */
const PHASE_GAP_MS = 10_000;

/** The untracked-key cases. */
export const UNTRACKED_CASES = ['fresh-key-unregistered-ip', 'fresh-key-registered-ip', 'member-key-wrong-ip', 'member-key-member-ip', 'expired-member-key'] as const;
/** One untracked-key case. */
export type UntrackedCase = (typeof UNTRACKED_CASES)[number];

/** Where an inbound attempt ended at the victim. */
export type RefusalStep = 'allow-list' | 'limiter' | 'gate' | 'after-crypto' | 'completed' | 'other';

/** Outcome of one untracked-key case. */
export interface UntrackedResult {
  case: UntrackedCase;
  attempts: number;
  /** Handshakes the attacker completed (the target is 0). */
  completed: number;
  /** Refusals by step, as the victim counted them. */
  steps: Partial<Record<RefusalStep, number>>;
  /** Refusal reasons (allow-list `unregistered-ip`, limiter reasons, handshake reasons), as the victim counted them. */
  reasons: Record<string, number>;
  /** Bytes the victim sent to the attacker over all attempts (its Reply, 168 bytes, needs a signature and a DH). */
  victimBytesSent: number;
}

/** One flood phase's outcome. */
export interface FloodResult {
  name: string;
  behaviour: 'hello' | 'silent';
  subnets: number;
  ips: number;
  perSecond: number;
  durationS: number;
  attempts: number;
  /** Handshakes the limiter let start. */
  admitted: number;
  /** Refusals by reason (limiter reasons; `unregistered-ip`; `manager-upgrade-cap` for the connection manager's own cap on upgrades in flight, 512, checked before the limiter). */
  refused: Record<string, number>;
  /** The most the limiter may admit in the phase's D seconds: min(IPs × ⌈D / 5 s⌉, subnets × (63 + ⌈64/s × D⌉)). */
  bound: { perIp: number; perSubnet: number; admitted: number };
  /** Highest number of handshakes in flight at the victim (its cap is 512). */
  peakInFlight: number;
  /** Handshakes completed by the flood (the target is 0). */
  completed: number;
  /** Cumulative admitted / refused, once per second of the phase. */
  series: Array<{ tS: number; admitted: number; refused: number; inFlight: number }>;
}

/** The experiment's output (deterministic for a seed). */
export interface PeerSetResult {
  kind: 'peer-set';
  name: string;
  seed: number;
  limits: { perIpIntervalMs: number; perSubnetPerSecond: number; maxInFlight: number };
  network: { coreMembers: number; rotatingMembers: number; epochs: number; trackedPeerSets: number; registeredAttackerIps: number };
  honest: {
    /** Virtual seconds until every core pair was connected. */
    fullyConnectedAtS: number;
    /** Checks (after every step from full connectivity to the end) and how many found a core pair disconnected. */
    checks: number;
    violations: number;
    /** Disconnections between core members after full connectivity. */
    coreDisconnects: number;
    /** The rotating members: connected to the victim while their set was kept, and dropped after. */
    rotation: Array<{ epoch: number; connectedWhileKept: boolean; disconnectedAfterDrop: boolean | null }>;
    /** Handshakes the victim completed as responder and as initiator (honest members only). */
    victimHandshakes: { responder: number; initiator: number };
  };
  untracked: UntrackedResult[];
  floods: FloodResult[];
  nodeErrors: { count: number; first: string[] };
}

/** A host: its address and transport. */
interface Host {
  ip: Ip4;
  addr: NetAddress;
}

/** Runs the peer-set experiment. */
export async function runPeerSet(sc: PeerSetScenario, seed: number, onProgress?: (fraction: number) => void): Promise<PeerSetResult> {
  const sim = new Simulation({ seed, stepMs: sc.stepMs, latency: sc.latency, plan: sc.plan });
  const nodes: PeerSetNode[] = [];
  try {
    return await experiment(sim, sc, seed, nodes, onProgress);
  } finally {
    const running = nodes.filter((n) => n.manager.running);
    let done = false;
    const stopped = Promise.all(running.map((n) => n.stop())).finally(() => { done = true; });
    const stopDeadline = sim.clock.now() + STOP_BUDGET_MS;
    while (!done && sim.clock.now() < stopDeadline) await sim.runFor(sc.stepMs);
    await stopped;
    await sim.dispose();
  }
}

async function experiment(sim: Simulation, sc: PeerSetScenario, seed: number, nodes: PeerSetNode[],
  onProgress?: (fraction: number) => void): Promise<PeerSetResult> {
  const random = ChaChaRandom.fromSeed(`${seed}|peer-set`);
  const namespace = new Uint8Array(Buffer.from(PEERSET_SIM_NAMESPACE, 'utf8'));
  const host = (ip: Ip4): Host => {
    const addr = ip4Address(ip);
    sim.geography.place(addr);
    return { ip, addr };
  };
  const service = (h: Host): NetService => new NetService(h.addr, PEERSET_SIM_PORT);
  const identity = (): Identity => Identity.fromSecretKey(random.randbytes(32));
  const freshKeyHex = (): PeerKeyHex => bytesToHex(random.randbytes(32));

  // ---- members ----------------------------------------------------------------------------------
  const makeMember = (label: string): { node: PeerSetNode; host: Host; identity: Identity } => {
    const h = host(sim.plan.isolatedIp('honest'));
    sim.net.setHostUp(h.addr, true);
    const own = identity();
    const node = new PeerSetNode({
      identity: own, namespace: PEERSET_SIM_NAMESPACE, listen: service(h).toString(), clock: sim.clock,
      random: ChaChaRandom.fromSeed(`${seed}|member|${label}`), transport: sim.net.transport(h.addr), logger: sim.logger,
      tracker: { trackedPeerSets: sc.epochs.trackedPeerSets, maxPeersPerSet: sc.epochs.maxPeersPerSet },
    });
    nodes.push(node);
    return { node, host: h, identity: own };
  };
  const core = Array.from({ length: sc.members.core }, (_, i) => makeMember(`core-${i}`));
  const rotating = Array.from({ length: sc.epochs.count }, (_, e) => makeMember(`rotating-${e}`));
  const victim = core[0];

  // ---- attacker address space (registered in every set as secondary keys: hosts the attacker controls) --
  const sharedHost = host(sim.plan.isolatedIp('attacker:shared'));
  const floodHosts = sc.floods.map((f, i) => {
    const ips = sim.plan.attacker({ id: `flood-${i}`, groups: f.subnets, ipsPerGroup: f.ipsPerSubnet, asCount: 1, contiguous: true });
    return ips.map(host);
  });
  const unregisteredHost = host(sim.plan.isolatedIp('attacker:unregistered'));
  const secondary: Record<PeerKeyHex, string> = {};
  for (const h of [sharedHost, ...floodHosts.flat()]) secondary[freshKeyHex()] = service(h).toString();
  const registeredAttackerIps = 1 + floodHosts.flat().length;

  const setFor = (epoch: number): { primary: PeerMapInput; secondary: PeerMapInput } => {
    const members = [...core, rotating[epoch]];
    return { primary: Object.fromEntries(members.map((m) => [m.node.publicKey, service(m.host).toString()])), secondary };
  };

  // ---- timeline ---------------------------------------------------------------------------------
  const t0 = sim.clock.now();
  const epochAt = (e: number): number => t0 + e * sc.epochs.intervalS * 1000;
  const lastEpochAt = epochAt(sc.epochs.count - 1);
  const attacksAt = lastEpochAt + sc.epochs.settleS * 1000;
  const untrackedSpanMs = sc.untracked.attemptsPerCase * sc.untracked.intervalMs;
  const floodStart: number[] = [];
  let cursor = attacksAt + UNTRACKED_CASES.length * (untrackedSpanMs + PHASE_GAP_MS);
  for (const f of sc.floods) {
    floodStart.push(cursor);
    cursor += f.durationS * 1000 + PHASE_GAP_MS;
  }
  const endAt = cursor + sc.afterS * 1000;

  for (const m of [...core, rotating[0]]) await m.node.start();
  for (let e = 0; e < sc.epochs.count; e++) {
    sim.schedule(epochAt(e), async () => {
      if (e > 0) await rotating[e].node.start();
      for (const m of [...core, rotating[e]]) m.node.track(e, setFor(e));
      // A member whose sets all left the kept window shuts down (its key is then untracked everywhere).
      const gone = e - sc.epochs.trackedPeerSets;
      if (gone >= 0) void rotating[gone].node.stop();
    });
  }

  // ---- honest connectivity, after every step -----------------------------------------------------
  const corePairs: Array<[PeerSetNode, PeerSetNode]> = [];
  for (let i = 0; i < core.length; i++) for (let j = i + 1; j < core.length; j++) corePairs.push([core[i].node, core[j].node]);
  const honest = { fullyConnectedAtS: -1, checks: 0, violations: 0, coreDisconnects: 0 };
  const coreKeys = new Set(core.map((m) => m.node.publicKey));
  for (const m of core) m.node.on('peer:disconnect', (key) => { if (honest.fullyConnectedAtS >= 0 && coreKeys.has(key)) honest.coreDisconnects++; });
  const rotationSeen = rotating.map(() => ({ connectedWhileKept: false, disconnectedAfterDrop: false }));
  sim.onStep(() => {
    const allUp = corePairs.every(([a, b]) => a.isConnected(b.publicKey) && b.isConnected(a.publicKey));
    if (honest.fullyConnectedAtS < 0) {
      if (allUp) honest.fullyConnectedAtS = round((sim.clock.now() - t0) / 1000, 3);
    } else {
      honest.checks++;
      if (!allUp) honest.violations++;
    }
    const now = sim.clock.now();
    rotating.forEach((r, e) => {
      const kept = now >= epochAt(e) && (e + sc.epochs.trackedPeerSets >= sc.epochs.count || now < epochAt(e + sc.epochs.trackedPeerSets));
      const connected = victim.node.isConnected(r.node.publicKey);
      if (kept && connected) rotationSeen[e].connectedWhileKept = true;
      if (e + sc.epochs.trackedPeerSets < sc.epochs.count && now >= epochAt(e + sc.epochs.trackedPeerSets) + 1000 && !connected) rotationSeen[e].disconnectedAfterDrop = true;
    });
  });

  // ---- the victim's view of each inbound attempt --------------------------------------------------
  const component = victim.node.component;
  const victimService = service(victim.host);
  /** Pre-handshake refusals (allow-list and limiter) by remote service key. */
  const preRefusals = new Map<string, string>();
  component.on('refused', (remote, reason) => preRefusals.set(remote.key, reason));
  let peakInFlight = 0;
  sim.onStep(() => { peakInFlight = Math.max(peakInFlight, component.limiter.inFlight); });
  component.on('refused', () => { peakInFlight = Math.max(peakInFlight, component.limiter.inFlight); });
  const responderRejections = (): Record<AuthRejectReason, number> => ({ ...component.auth.snapshot().rejected.responder });

  // ---- (a) untracked keys -----------------------------------------------------------------------
  const untracked: UntrackedResult[] = [];
  const expiredIndex = 0;
  UNTRACKED_CASES.forEach((name, ci) => {
    const startAt = attacksAt + ci * (untrackedSpanMs + PHASE_GAP_MS);
    const result: UntrackedResult = { case: name, attempts: 0, completed: 0, steps: {}, reasons: {}, victimBytesSent: 0 };
    untracked.push(result);
    let before: Record<AuthRejectReason, number> | undefined;
    const claimed = (): { identity: Identity; from: Host } => {
      switch (name) {
        case 'fresh-key-unregistered-ip': return { identity: identity(), from: unregisteredHost };
        case 'fresh-key-registered-ip': return { identity: identity(), from: sharedHost };
        // The attacker knows a member's public key, not its secret: the handshake uses a key pair whose
        // public half is the member's (an Identity cannot be built that way, so the claimed key is
        // patched into the Hello by `claimKey` below).
        case 'member-key-wrong-ip': return { identity: identity(), from: sharedHost };
        // The same from the member's own IP (a shared host or NAT) while the member is connected.
        case 'member-key-member-ip': return { identity: identity(), from: core[1].host };
        case 'expired-member-key': return { identity: rotating[expiredIndex].identity, from: rotating[expiredIndex].host };
      }
    };
    const claimKey = name === 'member-key-wrong-ip' || name === 'member-key-member-ip' ? core[1].node.publicKey : undefined;
    for (let k = 0; k < sc.untracked.attemptsPerCase; k++) {
      sim.schedule(startAt + k * sc.untracked.intervalMs, () => {
        before ??= responderRejections();
        const { identity: id, from } = claimed();
        result.attempts++;
        void attempt(from, async (conn) => {
          if (claimKey === undefined) {
            await secureOutbound(conn, { identity: id, namespace, clock: sim.clock, random, expectedKey: victim.node.publicKey, timeoutMs: 5_000 });
            return true;
          }
          // Impersonation: a Hello naming the member's key (the rest of the Hello is the attacker's own).
          const hello = new InitiatorHandshake({ identity: id, namespace, expectedKey: hexBytes(victim.node.publicKey), nowMs: sim.clock.now(), ephemeralSecret: random.randbytes(32) }).hello;
          hello.set(hexBytes(claimKey), 1);
          conn.write(hello);
          await closedOrReplied(conn, sim);
          return false;
        }).then((outcome) => {
          if (outcome.completed) result.completed++;
          result.victimBytesSent += outcome.bytesReceived;
          const pre = outcome.local ? preRefusals.get(outcome.local.key) : undefined;
          if (pre !== undefined) {
            bump(result.reasons, pre);
            bump(result.steps, pre === 'unregistered-ip' ? 'allow-list' : 'limiter');
          }
        });
      });
    }
    // After the case: the victim's handshake refusals during its window, attributed to the case.
    sim.schedule(startAt + untrackedSpanMs + PHASE_GAP_MS / 2, () => {
      const after = responderRejections();
      for (const reason of AUTH_REJECT_REASONS) {
        const d = after[reason] - (before?.[reason] ?? 0);
        if (d === 0) continue;
        bump(result.reasons, reason, d);
        bump(result.steps, GATE_REASONS.has(reason) ? 'gate' : reason === 'timeout' || reason === 'closed' ? 'other' : 'after-crypto', d);
      }
      if (result.completed > 0) bump(result.steps, 'completed', result.completed);
    });
  });

  // ---- (b) floods ---------------------------------------------------------------------------------
  const floods: FloodResult[] = [];
  const floodHello = new InitiatorHandshake({ identity: identity(), namespace, expectedKey: hexBytes(victim.node.publicKey), nowMs: sim.clock.now(), ephemeralSecret: random.randbytes(32) }).hello.subarray(0, HELLO_KEY_PREFIX_BYTES);
  sc.floods.forEach((f, fi) => {
    const hosts = floodHosts[fi];
    const startAt = floodStart[fi];
    const durationMs = f.durationS * 1000;
    const { perIp, perSubnet } = admissionBound(hosts.length, f.subnets, durationMs, false);
    const result: FloodResult = {
      name: f.name, behaviour: f.behaviour, subnets: f.subnets, ips: hosts.length, perSecond: f.perSecond, durationS: f.durationS,
      attempts: 0, admitted: 0, refused: {}, bound: { perIp, perSubnet, admitted: Math.min(perIp, perSubnet) }, peakInFlight: 0, completed: 0, series: [],
    };
    floods.push(result);
    let limiterBefore = component.limiter.counters();
    let allowBefore = component.counters.unregisteredIp;
    let accepted = 0;
    const tally = (): { admitted: number; refused: Record<string, number> } => {
      const c = component.limiter.counters();
      const refused: Record<string, number> = {};
      for (const [reason, n] of Object.entries(c.refused)) if (n - limiterBefore.refused[reason as keyof typeof c.refused] > 0) refused[reason] = n - limiterBefore.refused[reason as keyof typeof c.refused];
      const unregistered = component.counters.unregisteredIp - allowBefore;
      if (unregistered > 0) refused['unregistered-ip'] = unregistered;
      const admitted = c.started - limiterBefore.started;
      // Attempts the victim's manager dropped before the limiter (its own cap on upgrades in flight).
      const managerDropped = accepted - admitted - Object.values(refused).reduce((a, b) => a + b, 0);
      if (managerDropped > 0) refused['manager-upgrade-cap'] = managerDropped;
      return { admitted, refused };
    };
    sim.schedule(startAt, () => {
      limiterBefore = component.limiter.counters();
      allowBefore = component.counters.unregisteredIp;
      peakInFlight = component.limiter.inFlight;
      const total = Math.round(f.perSecond * f.durationS);
      const gapMs = 1000 / f.perSecond;
      for (let i = 0; i < total; i++) {
        // Round-robin over the subnets first, then over the IPs of each: the paced attacker's best order.
        const from = hosts[(i % f.subnets) * f.ipsPerSubnet + (Math.floor(i / f.subnets) % f.ipsPerSubnet)];
        sim.clock.setTimeout(() => {
          result.attempts++;
          void attempt(from, async (conn) => {
            if (f.behaviour === 'hello') conn.write(floodHello);
            await closedOrReplied(conn, sim);
            return false;
          }, () => { accepted++; }).then((outcome) => { if (outcome.completed || outcome.bytesReceived > 0) result.completed++; });
        }, Math.floor(i * gapMs));
      }
    });
    for (let s = 0; s <= f.durationS; s++) {
      sim.schedule(startAt + s * FLOOD_SAMPLE_INTERVAL_MS + (s === 0 ? 1 : 0), () => {
        const t = tally();
        result.series.push({ tS: s, admitted: t.admitted, refused: Object.values(t.refused).reduce((a, b) => a + b, 0), inFlight: component.limiter.inFlight });
      });
    }
    // Counted once the held connections have timed out (5 s handshake deadline).
    sim.schedule(startAt + durationMs + PHASE_GAP_MS - 1, () => {
      const t = tally();
      result.admitted = t.admitted;
      result.refused = t.refused;
      result.peakInFlight = peakInFlight;
    });
  });

  /**
   * One attacker connection from `from` to the victim: `drive` runs on the open connection. Resolves
   * with what the attacker saw: handshake completed, bytes the victim sent, the local service.
   */
  async function attempt(from: Host, drive: (conn: Connection) => Promise<boolean>, onConnected?: () => void):
    Promise<{ completed: boolean; bytesReceived: number; local: NetService | undefined }> {
    let conn: Connection;
    try {
      conn = await sim.net.transport(from.addr).connect(victimService, { timeoutMs: 5_000 });
    } catch {
      return { completed: false, bytesReceived: 0, local: undefined };
    }
    onConnected?.();
    let bytesReceived = 0;
    conn.on('data', (chunk: Uint8Array) => { bytesReceived += chunk.length; });
    let completed = false;
    try {
      completed = await drive(conn);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
    }
    if (completed) conn.destroy();
    return { completed, bytesReceived, local: conn.local };
  }

  await sim.runUntil(endAt, onProgress);

  // A member whose set is still kept at the end was never dropped (null).
  const rotation = rotating.map((_, e) => ({
    epoch: e, connectedWhileKept: rotationSeen[e].connectedWhileKept,
    disconnectedAfterDrop: e + sc.epochs.trackedPeerSets < sc.epochs.count ? rotationSeen[e].disconnectedAfterDrop : null,
  }));
  const auth = component.auth.snapshot();
  return {
    kind: 'peer-set',
    name: sc.name,
    seed,
    limits: { perIpIntervalMs: HANDSHAKE_INTERVAL_PER_IP_MS, perSubnetPerSecond: HANDSHAKES_PER_SUBNET_PER_SECOND, maxInFlight: MAX_CONCURRENT_HANDSHAKES },
    network: { coreMembers: core.length, rotatingMembers: rotating.length, epochs: sc.epochs.count, trackedPeerSets: sc.epochs.trackedPeerSets, registeredAttackerIps },
    honest: { ...honest, rotation, victimHandshakes: { responder: auth.completed.responder, initiator: auth.completed.initiator } },
    untracked,
    floods,
    nodeErrors: { count: sim.logger.errors, first: [...sim.logger.errorLines] },
  };
}

/**
 * The most handshakes a GCRA limiter (burst b, one per interval T) admits from `ips` IPs in `subnets`
 * subnets over a window of `windowMs`: b − 1 + ⌈W / T⌉ per key for a half-open window [0, W), or
 * b + ⌊W / T⌋ for a closed one [0, W].
 */
export function admissionBound(ips: number, subnets: number, windowMs: number, closed: boolean): { perIp: number; perSubnet: number; admitted: number } {
  const perKey = (burst: number, intervalMs: number): number =>
    closed ? burst + Math.floor(windowMs / intervalMs + 1e-9) : burst - 1 + Math.ceil(windowMs / intervalMs - 1e-9);
  const perIp = ips * perKey(1, HANDSHAKE_INTERVAL_PER_IP_MS);
  const perSubnet = subnets * perKey(HANDSHAKES_PER_SUBNET_PER_SECOND, 1000 / HANDSHAKES_PER_SUBNET_PER_SECOND);
  return { perIp, perSubnet, admitted: Math.min(perIp, perSubnet) };
}

/** Reasons the responder's gate gives (all decided from 33 bytes, before any cryptography). */
const GATE_REASONS: ReadonlySet<string> = new Set(['unknown-key', 'wrong-source-ip', 'blocked', 'duplicate', 'self', 'busy']);

function bump<K extends string>(o: Partial<Record<K, number>>, k: K, by = 1): void {
  o[k] = (o[k] ?? 0) + by;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Resolves when the victim closes `conn` or sends anything, or after the 5 s handshake deadline plus a margin. */
function closedOrReplied(conn: Connection, sim: Simulation): Promise<void> {
  return new Promise((resolve) => {
    if (conn.closed) return resolve();
    const timer = sim.clock.setTimeout(() => { conn.destroy(); done(); }, 6_000);
    const done = (): void => {
      timer.cancel();
      conn.off('close', done);
      conn.off('data', done);
      resolve();
    };
    conn.on('close', done);
    conn.on('data', done);
  });
}
