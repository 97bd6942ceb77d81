/**
 * Scenario files: JSON documents under `sim/scenarios/` that say what to simulate. Each has a `kind`
 * (`network`, `eclipse`, `addr-flood`, `inbound-flood`, `peer-set`) and kind-specific sections.
 * Parsing validates every field and fills defaults; anything wrong is a `ScenarioError` naming the JSON path (`$.world.honestNodes`) and what was expected, so a
 * typo fails before a long run starts rather than halfway through it.
 */
import { PeerbookError } from '../util/errors.js';
import { REGIONS, type LatencyConfig, type Region } from './geography.js';
import type { AddressPlanOptions } from './address-plan.js';
import type { ChurnConfig, WorldConfig } from './world.js';

/** A scenario file that is not valid (code `ERR_SCENARIO`); the message names the JSON path. */
export class ScenarioError extends PeerbookError {
  /** @param path JSON path of the bad value (`$` is the document); @param message what was expected. */
  constructor(readonly path: string, message: string) {
    super('ERR_SCENARIO', `scenario ${path}: ${message}`);
  }
}

/** Scenario kinds. */
export const SCENARIO_KINDS = ['network', 'eclipse', 'addr-flood', 'inbound-flood', 'peer-set'] as const;
/** A scenario kind. */
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/** Fields every scenario has. */
export interface ScenarioBase {
  kind: ScenarioKind;
  /** Short name (file names of the outputs). */
  name: string;
  /** What it shows. */
  description: string;
  /** Default seed (the command line may override it). */
  seed: number;
  /** Driver step, ms. */
  stepMs: number;
  /** Latency model. */
  latency: LatencyConfig;
  /** Address plan. */
  plan: AddressPlanOptions;
}

/** `network`: an honest network with churn, measured over time (also the simulator's scale test). */
export interface NetworkScenario extends ScenarioBase {
  kind: 'network';
  world: WorldConfig;
  /** Simulated time, s. */
  durationS: number;
  /** Sampling interval, s. */
  sampleIntervalS: number;
}

/** The defences the eclipse experiment switches (true = on, as in a default node with -asmap). */
export interface DefenceSwitches {
  /** Tried-table collisions are resolved by testing the old entry first (Core PR #9037). */
  testBeforeEvict: boolean;
  /** Feeler connections every ~2 min (Core PR #8282). */
  feelers: boolean;
  /** Reconnect to the two block-relay-only peers of the last run (Core PR #17428). */
  anchors: boolean;
  /** At most one automatic outbound connection per network group. */
  netgroupDiversity: boolean;
  /** Token-bucket rate limit of gossiped addresses (Core PR #22387). */
  addrRateLimit: boolean;
  /** Group by AS with an asmap (Core -asmap). */
  asmap: boolean;
  /** The two block-relay-only outbound connections (Core PR #15759). */
  blockRelayOnly: boolean;
}

/** Defence names, in report order. */
export const DEFENCE_NAMES: ReadonlyArray<keyof DefenceSwitches> = [
  'testBeforeEvict', 'feelers', 'anchors', 'netgroupDiversity', 'addrRateLimit', 'asmap', 'blockRelayOnly',
];

/** Every defence on. */
export const ALL_DEFENCES_ON: Readonly<DefenceSwitches> = {
  testBeforeEvict: true, feelers: true, anchors: true, netgroupDiversity: true, addrRateLimit: true, asmap: true, blockRelayOnly: true,
};

/** An attacker of the eclipse experiment. */
export interface EclipseAttacker {
  id: string;
  /** /16 groups. */
  groups: number;
  /** IPs per group. */
  ipsPerGroup: number;
  /** ASes the groups belong to. */
  asCount: number;
  /** Allocate the groups as one contiguous run. */
  contiguous: boolean;
}

/** One configuration of victims: which attacker attacks them and which defences they run. */
export interface EclipseConfiguration {
  name: string;
  attacker: string;
  defences: DefenceSwitches;
  /** Restarts per victim for this configuration (default: the scenario's `victims.restartsPerVictim`). */
  restartsPerVictim?: number;
}

/** `eclipse`: Heilman et al.'s attack against victims in an honest network. */
export interface EclipseScenario extends ScenarioBase {
  kind: 'eclipse';
  world: WorldConfig;
  /** Honest network runs this long before victims join, s. */
  warmupS: number;
  victims: {
    /** Victims per configuration. */
    perConfiguration: number;
    /** Victims run honestly this long before the attack, s. */
    honestPhaseS: number;
    /** Victims join spread over this window, s. */
    joinSpreadS: number;
    /** Restarts per victim: copies of its data directory started with different seeds. */
    restartsPerVictim: number;
    /** Eclipse is measured this long after the restart, s (several instants). */
    measureAtS: number[];
  };
  attackers: EclipseAttacker[];
  attack: {
    /** How long the attack runs before the restart, s. */
    durationS: number;
    /** Inbound connections the attacker keeps open to each victim. */
    inboundConnections: number;
    /** Addresses per addr message on each held connection. */
    addrPerMessage: number;
    /** Interval between addr messages on a connection, s. */
    addrIntervalS: number;
    /** Share of advertised addresses that are trash. */
    trashShare: number;
    /** Inbound connections the attacker opens to each restarted victim. */
    inboundAfterRestart: number;
  };
  configurations: EclipseConfiguration[];
  /** Table census interval, s. */
  sampleIntervalS: number;
}

/** `addr-flood`: attackers flood one node with addr messages while honest peers gossip. */
export interface AddrFloodScenario extends ScenarioBase {
  kind: 'addr-flood';
  world: WorldConfig;
  warmupS: number;
  flood: {
    /** Attacker connections (each from its own IP). */
    attackers: number;
    /** Addresses each attacker sends per second. */
    addrsPerSecond: number;
    /** Addresses per message (≤ 1,000). */
    addrPerMessage: number;
    /** Flood duration, s. */
    durationS: number;
    /** Honest nodes joining during the flood (their self-advertisements are the honest addresses to look for). */
    honestJoiners: number;
  };
  sampleIntervalS: number;
}

/** `inbound-flood`: connection attempts against one node's inbound slots. */
export interface InboundFloodScenario extends ScenarioBase {
  kind: 'inbound-flood';
  world: WorldConfig;
  warmupS: number;
  victim: { maxConnections: number };
  honest: {
    /** Honest inbound peers that send blocks (eviction protects 4 by recent blocks). */
    blockRelayers: number;
    /** Honest inbound peers that send transactions (4 protected by recent transactions). */
    txRelayers: number;
    /** Honest inbound peers close to the victim (8 protected by lowest ping). */
    lowPing: number;
    /** Further long-lived honest inbound peers (protected by uptime and netgroup diversity). */
    longLived: number;
    /** Region of the low-ping peers and of the victim. */
    region: Region;
  };
  flood: {
    /** Connection attempts in total. */
    attempts: number;
    /** Attempts per second. */
    perSecond: number;
    /** /16 groups the attacker's IPs are spread over. */
    groups: number;
    /** IPs per group. */
    ipsPerGroup: number;
    /** Region of the attacker's hosts. */
    region: Region;
  };
  /** Run after the flood, s. */
  afterS: number;
}

/** One handshake flood of the peer-set experiment. */
export interface PeerSetFlood {
  /** Name in the result (`one-ip`, `one-24` …). */
  name: string;
  /** /24 subnets the flood comes from (each in a /16 of its own). */
  subnets: number;
  /** IPs per subnet (≤ 254), all registered in the victim's sets as secondary keys' source IPs. */
  ipsPerSubnet: number;
  /** Connection attempts per second (round-robin over the IPs). */
  perSecond: number;
  /** Flood duration, s. */
  durationS: number;
  /** `hello`: send a Hello prefix with an untracked key; `silent`: send nothing (held until the handshake deadline). */
  behaviour: 'hello' | 'silent';
}

/** `peer-set`: honest peer-set nodes through a few epochs; untracked keys and handshake floods against one of them. */
export interface PeerSetScenario extends ScenarioBase {
  kind: 'peer-set';
  members: {
    /** Members in every epoch (the first is the victim). */
    core: number;
  };
  epochs: {
    /** Epochs (peer sets 0 … count−1); each adds one rotating member and drops the previous one. */
    count: number;
    /** Time between epochs, s. */
    intervalS: number;
    /** Sets every node keeps (a rotating member's key is untracked `trackedPeerSets` epochs after its own). */
    trackedPeerSets: number;
    /** Largest set (members plus the registered attacker hosts). */
    maxPeersPerSet: number;
    /** Time after the last epoch before the attacks, s. */
    settleS: number;
  };
  untracked: {
    /** Attempts per untracked-key case. */
    attemptsPerCase: number;
    /** Time between attempts, ms (≥ 5,000 lets each reach the gate past the per-IP limit). */
    intervalMs: number;
  };
  floods: PeerSetFlood[];
  /** Run after the last flood, s. */
  afterS: number;
}

/** A validated scenario. */
export type Scenario = NetworkScenario | EclipseScenario | AddrFloodScenario | InboundFloodScenario | PeerSetScenario;

// ---- validation helpers ------------------------------------------------------------------------

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: Json, path: string): Record<string, Json> {
  if (!isObject(v)) throw new ScenarioError(path, `expected an object, got ${describe(v)}`);
  return v;
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : String(v);
}

/** Rejects keys the schema does not know (a misspelt key would otherwise be silently ignored). */
function onlyKeys(o: Record<string, Json>, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new ScenarioError(`${path}.${k}`, `unknown key (expected one of ${keys.join(', ')})`);
  }
}

function num(o: Record<string, Json>, key: string, path: string, opts: { min?: number; max?: number; integer?: boolean; default?: number }): number {
  const v = o[key];
  const p = `${path}.${key}`;
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    throw new ScenarioError(p, 'missing (a number is required)');
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(p, `expected a number, got ${describe(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw new ScenarioError(p, `expected an integer, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ScenarioError(p, `must be ≥ ${opts.min}, got ${v}`);
  if (opts.max !== undefined && v > opts.max) throw new ScenarioError(p, `must be ≤ ${opts.max}, got ${v}`);
  return v;
}

function str(o: Record<string, Json>, key: string, path: string, def?: string): string {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'string' || v.length === 0) throw new ScenarioError(`${path}.${key}`, `expected a non-empty string, got ${describe(v)}`);
  return v;
}

function bool(o: Record<string, Json>, key: string, path: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new ScenarioError(`${path}.${key}`, `expected true or false, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, Json>, key: string, path: string, options: readonly T[], def?: T): T {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new ScenarioError(`${path}.${key}`, `expected one of ${options.join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function section(o: Record<string, Json>, key: string, path: string, optional = false): Record<string, Json> {
  const v = o[key];
  if (v === undefined && optional) return {};
  return object(v, `${path}.${key}`);
}

// ---- sections -----------------------------------------------------------------------------------

const MAX_NODES = 100_000;
const MAX_DURATION_S = 30 * 24 * 3600;

function parseLatency(v: Json, path: string): LatencyConfig {
  if (v === undefined) return { model: 'regions', jitter: 0.2 };
  const o = object(v, path);
  const model = oneOf(o, 'model', path, ['constant', 'regions'] as const);
  if (model === 'constant') {
    onlyKeys(o, path, ['model', 'oneWayMs']);
    return { model, oneWayMs: num(o, 'oneWayMs', path, { min: 0, max: 10_000 }) };
  }
  onlyKeys(o, path, ['model', 'jitter', 'weights']);
  const weights: Partial<Record<Region, number>> = {};
  if (o.weights !== undefined) {
    const w = object(o.weights, `${path}.weights`);
    onlyKeys(w, `${path}.weights`, REGIONS);
    for (const r of REGIONS) if (w[r] !== undefined) weights[r] = num(w, r, `${path}.weights`, { min: 0 });
  }
  return { model, jitter: num(o, 'jitter', path, { min: 0, max: 0.9, default: 0.2 }), ...(o.weights !== undefined ? { weights } : {}) };
}

function parsePlan(v: Json, path: string): AddressPlanOptions {
  const o = v === undefined ? {} : object(v, path);
  onlyKeys(o, path, ['honestGroups', 'honestAses', 'zipfExponent']);
  const honestGroups = num(o, 'honestGroups', path, { min: 1, max: 20_000, integer: true, default: 2000 });
  const honestAses = num(o, 'honestAses', path, { min: 1, max: honestGroups, integer: true, default: Math.min(600, honestGroups) });
  return { honestGroups, honestAses, zipfExponent: num(o, 'zipfExponent', path, { min: 0, max: 3, default: 1 }) };
}

function parseChurn(v: Json, path: string): ChurnConfig {
  const o = v === undefined ? {} : object(v, path);
  onlyKeys(o, path, ['leavePerHour', 'joinPerHour', 'restartPerHour', 'downtimeS']);
  return {
    leavePerHour: num(o, 'leavePerHour', path, { min: 0, max: 10, default: 0 }),
    joinPerHour: num(o, 'joinPerHour', path, { min: 0, max: 10, default: 0 }),
    restartPerHour: num(o, 'restartPerHour', path, { min: 0, max: 10, default: 0 }),
    downtimeS: num(o, 'downtimeS', path, { min: 0, max: MAX_DURATION_S, default: 60 }),
  };
}

function parseWorld(v: Json, path: string): WorldConfig {
  const o = object(v, path);
  onlyKeys(o, path, ['honestNodes', 'listeningShare', 'startSpreadS', 'persistent', 'asmap', 'maxConnections', 'tickMs', 'churn']);
  const churn = parseChurn(o.churn, `${path}.churn`);
  return {
    honestNodes: num(o, 'honestNodes', path, { min: 1, max: MAX_NODES, integer: true }),
    listeningShare: num(o, 'listeningShare', path, { min: 0, max: 1, default: 1 }),
    startSpreadS: num(o, 'startSpreadS', path, { min: 0, max: MAX_DURATION_S, default: 300 }),
    persistent: bool(o, 'persistent', path, churn.restartPerHour > 0),
    asmap: bool(o, 'asmap', path, false),
    tickMs: num(o, 'tickMs', path, { min: 100, max: 10_000, integer: true, default: 500 }),
    ...(o.maxConnections !== undefined ? { maxConnections: num(o, 'maxConnections', path, { min: 12, max: 10_000, integer: true }) } : {}),
    churn,
  };
}

function parseBase(o: Record<string, Json>, kind: ScenarioKind): ScenarioBase {
  return {
    kind,
    name: str(o, 'name', '$'),
    description: str(o, 'description', '$', '(no description)'),
    seed: num(o, 'seed', '$', { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, default: 1 }),
    stepMs: num(o, 'stepMs', '$', { min: 1, max: 10_000, integer: true, default: 100 }),
    latency: parseLatency(o.latency, '$.latency'),
    plan: parsePlan(o.plan, '$.plan'),
  };
}

const BASE_KEYS = ['kind', 'name', 'description', 'seed', 'stepMs', 'latency', 'plan'] as const;

function parseDefences(v: Json, path: string): DefenceSwitches {
  const o = v === undefined ? {} : object(v, path);
  onlyKeys(o, path, DEFENCE_NAMES);
  const out = { ...ALL_DEFENCES_ON };
  for (const d of DEFENCE_NAMES) out[d] = bool(o, d, path, true);
  return out;
}

function parseEclipse(o: Record<string, Json>): EclipseScenario {
  onlyKeys(o, '$', [...BASE_KEYS, 'world', 'warmupS', 'victims', 'attackers', 'attack', 'configurations', 'sampleIntervalS']);
  const base = parseBase(o, 'eclipse');
  const vp = '$.victims';
  const v = section(o, 'victims', '$');
  onlyKeys(v, vp, ['perConfiguration', 'honestPhaseS', 'joinSpreadS', 'restartsPerVictim', 'measureAtS']);
  const measure = v.measureAtS === undefined ? [60, 300, 600] : v.measureAtS;
  if (!Array.isArray(measure) || measure.length === 0) throw new ScenarioError(`${vp}.measureAtS`, 'expected a non-empty array of seconds');
  const measureAtS = measure.map((x, i) => num({ x }, 'x', `${vp}.measureAtS[${i}]`, { min: 1, max: MAX_DURATION_S }));
  if (measureAtS.some((x, i) => i > 0 && x <= measureAtS[i - 1])) throw new ScenarioError(`${vp}.measureAtS`, 'must be increasing');
  if (!Array.isArray(o.attackers) || o.attackers.length === 0) throw new ScenarioError('$.attackers', 'expected a non-empty array');
  const attackers = o.attackers.map((a, i): EclipseAttacker => {
    const p = `$.attackers[${i}]`;
    const ao = object(a, p);
    onlyKeys(ao, p, ['id', 'groups', 'ipsPerGroup', 'asCount', 'contiguous']);
    return {
      id: str(ao, 'id', p),
      groups: num(ao, 'groups', p, { min: 1, max: 20_000, integer: true }),
      ipsPerGroup: num(ao, 'ipsPerGroup', p, { min: 1, max: 60_000, integer: true }),
      asCount: num(ao, 'asCount', p, { min: 1, max: 20_000, integer: true }),
      contiguous: bool(ao, 'contiguous', p, false),
    };
  });
  const ids = new Set<string>();
  for (const [i, a] of attackers.entries()) {
    if (ids.has(a.id)) throw new ScenarioError(`$.attackers[${i}].id`, `duplicate attacker id ${JSON.stringify(a.id)}`);
    ids.add(a.id);
  }
  const ap = '$.attack';
  const at = section(o, 'attack', '$');
  onlyKeys(at, ap, ['durationS', 'inboundConnections', 'addrPerMessage', 'addrIntervalS', 'trashShare', 'inboundAfterRestart']);
  if (!Array.isArray(o.configurations) || o.configurations.length === 0) throw new ScenarioError('$.configurations', 'expected a non-empty array');
  const names = new Set<string>();
  const configurations = o.configurations.map((c, i): EclipseConfiguration => {
    const p = `$.configurations[${i}]`;
    const co = object(c, p);
    onlyKeys(co, p, ['name', 'attacker', 'defences', 'restartsPerVictim']);
    const name = str(co, 'name', p);
    if (names.has(name)) throw new ScenarioError(`${p}.name`, `duplicate configuration name ${JSON.stringify(name)}`);
    names.add(name);
    const attacker = str(co, 'attacker', p);
    if (!ids.has(attacker)) throw new ScenarioError(`${p}.attacker`, `no attacker with id ${JSON.stringify(attacker)}`);
    return {
      name, attacker, defences: parseDefences(co.defences, `${p}.defences`),
      ...(co.restartsPerVictim !== undefined ? { restartsPerVictim: num(co, 'restartsPerVictim', p, { min: 1, max: 1000, integer: true }) } : {}),
    };
  });
  return {
    ...base,
    kind: 'eclipse',
    world: parseWorld(o.world, '$.world'),
    warmupS: num(o, 'warmupS', '$', { min: 0, max: MAX_DURATION_S, default: 3600 }),
    victims: {
      perConfiguration: num(v, 'perConfiguration', vp, { min: 1, max: 10_000, integer: true }),
      honestPhaseS: num(v, 'honestPhaseS', vp, { min: 0, max: MAX_DURATION_S, default: 7200 }),
      joinSpreadS: num(v, 'joinSpreadS', vp, { min: 0, max: MAX_DURATION_S, default: 60 }),
      restartsPerVictim: num(v, 'restartsPerVictim', vp, { min: 1, max: 1000, integer: true, default: 1 }),
      measureAtS,
    },
    attackers,
    attack: {
      durationS: num(at, 'durationS', ap, { min: 0, max: MAX_DURATION_S }),
      inboundConnections: num(at, 'inboundConnections', ap, { min: 0, max: 10_000, integer: true, default: 114 }),
      addrPerMessage: num(at, 'addrPerMessage', ap, { min: 0, max: 1000, integer: true, default: 10 }),
      addrIntervalS: num(at, 'addrIntervalS', ap, { min: 0.001, max: MAX_DURATION_S, default: 100 }),
      trashShare: num(at, 'trashShare', ap, { min: 0, max: 1, default: 0 }),
      inboundAfterRestart: num(at, 'inboundAfterRestart', ap, { min: 0, max: 10_000, integer: true, default: 0 }),
    },
    configurations,
    sampleIntervalS: num(o, 'sampleIntervalS', '$', { min: 1, max: MAX_DURATION_S, default: 600 }),
  };
}

function parseNetwork(o: Record<string, Json>): NetworkScenario {
  onlyKeys(o, '$', [...BASE_KEYS, 'world', 'durationS', 'sampleIntervalS']);
  return {
    ...parseBase(o, 'network'),
    kind: 'network',
    world: parseWorld(o.world, '$.world'),
    durationS: num(o, 'durationS', '$', { min: 1, max: MAX_DURATION_S }),
    sampleIntervalS: num(o, 'sampleIntervalS', '$', { min: 1, max: MAX_DURATION_S, default: 60 }),
  };
}

function parseAddrFlood(o: Record<string, Json>): AddrFloodScenario {
  onlyKeys(o, '$', [...BASE_KEYS, 'world', 'warmupS', 'flood', 'sampleIntervalS']);
  const fp = '$.flood';
  const f = section(o, 'flood', '$');
  onlyKeys(f, fp, ['attackers', 'addrsPerSecond', 'addrPerMessage', 'durationS', 'honestJoiners']);
  return {
    ...parseBase(o, 'addr-flood'),
    kind: 'addr-flood',
    world: parseWorld(o.world, '$.world'),
    warmupS: num(o, 'warmupS', '$', { min: 0, max: MAX_DURATION_S, default: 1800 }),
    flood: {
      attackers: num(f, 'attackers', fp, { min: 1, max: 10_000, integer: true }),
      addrsPerSecond: num(f, 'addrsPerSecond', fp, { min: 0.001, max: 100_000 }),
      addrPerMessage: num(f, 'addrPerMessage', fp, { min: 1, max: 1000, integer: true, default: 1000 }),
      durationS: num(f, 'durationS', fp, { min: 1, max: MAX_DURATION_S }),
      honestJoiners: num(f, 'honestJoiners', fp, { min: 0, max: MAX_NODES, integer: true, default: 20 }),
    },
    sampleIntervalS: num(o, 'sampleIntervalS', '$', { min: 1, max: MAX_DURATION_S, default: 60 }),
  };
}

function parseInboundFlood(o: Record<string, Json>): InboundFloodScenario {
  onlyKeys(o, '$', [...BASE_KEYS, 'world', 'warmupS', 'victim', 'honest', 'flood', 'afterS']);
  const vp = '$.victim';
  const v = section(o, 'victim', '$', true);
  onlyKeys(v, vp, ['maxConnections']);
  const hp = '$.honest';
  const h = section(o, 'honest', '$');
  onlyKeys(h, hp, ['blockRelayers', 'txRelayers', 'lowPing', 'longLived', 'region']);
  const fp = '$.flood';
  const f = section(o, 'flood', '$');
  onlyKeys(f, fp, ['attempts', 'perSecond', 'groups', 'ipsPerGroup', 'region']);
  return {
    ...parseBase(o, 'inbound-flood'),
    kind: 'inbound-flood',
    world: parseWorld(o.world, '$.world'),
    warmupS: num(o, 'warmupS', '$', { min: 0, max: MAX_DURATION_S, default: 600 }),
    victim: { maxConnections: num(v, 'maxConnections', vp, { min: 12, max: 10_000, integer: true, default: 125 }) },
    honest: {
      blockRelayers: num(h, 'blockRelayers', hp, { min: 0, max: 1000, integer: true, default: 4 }),
      txRelayers: num(h, 'txRelayers', hp, { min: 0, max: 1000, integer: true, default: 4 }),
      lowPing: num(h, 'lowPing', hp, { min: 0, max: 1000, integer: true, default: 8 }),
      longLived: num(h, 'longLived', hp, { min: 0, max: 1000, integer: true, default: 20 }),
      region: oneOf(h, 'region', hp, REGIONS, 'europe'),
    },
    flood: {
      attempts: num(f, 'attempts', fp, { min: 1, max: 1_000_000, integer: true }),
      perSecond: num(f, 'perSecond', fp, { min: 0.001, max: 100_000, default: 10 }),
      groups: num(f, 'groups', fp, { min: 1, max: 20_000, integer: true, default: 50 }),
      ipsPerGroup: num(f, 'ipsPerGroup', fp, { min: 1, max: 60_000, integer: true, default: 100 }),
      region: oneOf(f, 'region', fp, REGIONS, 'asia'),
    },
    afterS: num(o, 'afterS', '$', { min: 0, max: MAX_DURATION_S, default: 60 }),
  };
}

function parsePeerSet(o: Record<string, Json>): PeerSetScenario {
  onlyKeys(o, '$', [...BASE_KEYS, 'members', 'epochs', 'untracked', 'floods', 'afterS']);
  const mp = '$.members';
  const m = section(o, 'members', '$', true);
  onlyKeys(m, mp, ['core']);
  const ep = '$.epochs';
  const e = section(o, 'epochs', '$', true);
  onlyKeys(e, ep, ['count', 'intervalS', 'trackedPeerSets', 'maxPeersPerSet', 'settleS']);
  const up = '$.untracked';
  const u = section(o, 'untracked', '$', true);
  onlyKeys(u, up, ['attemptsPerCase', 'intervalMs']);
  if (!Array.isArray(o.floods)) throw new ScenarioError('$.floods', 'expected an array of flood phases');
  const floods = o.floods.map((v, i): PeerSetFlood => {
    const fp = `$.floods[${i}]`;
    const f = object(v, fp);
    onlyKeys(f, fp, ['name', 'subnets', 'ipsPerSubnet', 'perSecond', 'durationS', 'behaviour']);
    return {
      name: str(f, 'name', fp),
      subnets: num(f, 'subnets', fp, { min: 1, max: 64, integer: true, default: 1 }),
      ipsPerSubnet: num(f, 'ipsPerSubnet', fp, { min: 1, max: 254, integer: true, default: 1 }),
      perSecond: num(f, 'perSecond', fp, { min: 0.001, max: 10_000 }),
      durationS: num(f, 'durationS', fp, { min: 1, max: 3600, integer: true }),
      behaviour: oneOf(f, 'behaviour', fp, ['hello', 'silent'] as const, 'hello'),
    };
  });
  const sc: PeerSetScenario = {
    ...parseBase(o, 'peer-set'),
    kind: 'peer-set',
    members: { core: num(m, 'core', mp, { min: 2, max: 64, integer: true, default: 4 }) },
    epochs: {
      count: num(e, 'count', ep, { min: 1, max: 64, integer: true, default: 3 }),
      intervalS: num(e, 'intervalS', ep, { min: 1, max: MAX_DURATION_S, default: 60 }),
      trackedPeerSets: num(e, 'trackedPeerSets', ep, { min: 1, max: 64, integer: true, default: 2 }),
      maxPeersPerSet: num(e, 'maxPeersPerSet', ep, { min: 2, max: 16_384, integer: true, default: 2048 }),
      settleS: num(e, 'settleS', ep, { min: 0, max: MAX_DURATION_S, default: 30 }),
    },
    untracked: {
      attemptsPerCase: num(u, 'attemptsPerCase', up, { min: 1, max: 10_000, integer: true, default: 10 }),
      intervalMs: num(u, 'intervalMs', up, { min: 1, max: 3_600_000, integer: true, default: 6_000 }),
    },
    floods,
    afterS: num(o, 'afterS', '$', { min: 0, max: MAX_DURATION_S, default: 10 }),
  };
  // Every set lists the members, one rotating member, the shared attacker host and every flood IP.
  const setSize = sc.members.core + 1 + 1 + floods.reduce((a, f) => a + f.subnets * f.ipsPerSubnet, 0);
  if (setSize > sc.epochs.maxPeersPerSet) throw new ScenarioError('$.epochs.maxPeersPerSet', `must be at least ${setSize} (members and registered flood hosts)`);
  return sc;
}

/** Validates a parsed JSON document as a scenario (defaults filled in). Throws ScenarioError. */
export function parseScenario(doc: unknown): Scenario {
  const o = object(doc, '$');
  const kind = oneOf(o, 'kind', '$', SCENARIO_KINDS);
  switch (kind) {
    case 'network': return parseNetwork(o);
    case 'eclipse': return parseEclipse(o);
    case 'addr-flood': return parseAddrFlood(o);
    case 'inbound-flood': return parseInboundFlood(o);
    case 'peer-set': return parsePeerSet(o);
  }
}

/** Parses scenario JSON text. Throws ScenarioError for bad JSON or a bad scenario. */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError('$', `${source} is not valid JSON: ${(e as Error).message}`);
  }
  return parseScenario(doc);
}
