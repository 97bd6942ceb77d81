/**
 * Runs one scenario and writes its outputs to a directory:
 * - `result.json` — the aggregate metrics; identical bytes for the same scenario and seed;
 * - `nodes.json` — every node's end-of-run figures (also reproducible);
 * - `perf.json` — the simulator's own cost (wall/CPU time, memory): *not* reproducible, kept apart;
 * - `tables.md` — the headline tables in Markdown, drawn from `result.json` (what docs/security.md quotes);
 * - `*.svg` — plots drawn from `result.json`.
 * It also returns a few human-readable summary lines (what the command prints).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runAddrFlood, type AddrFloodResult } from './addr-flood.js';
import { runEclipse, type EclipseResult } from './eclipse.js';
import { runInboundFlood, type InboundFloodResult } from './inbound-flood.js';
import type { NodeReport, PerfReport } from './metrics.js';
import { runNetwork, type NetworkResult } from './network-experiment.js';
import { admissionBound, runPeerSet, type PeerSetResult } from './peer-set.js';
import { barPlot, linePlot } from './plot.js';
import type { Scenario } from './scenario.js';

/** What `runScenario` needs. */
export interface RunOptions {
  /** Seed (default: the scenario's). */
  seed?: number;
  /** Output directory (created). */
  outDir: string;
  /** Progress, 0..1 of virtual time. */
  onProgress?: (fraction: number) => void;
}

/** What `runScenario` produced. */
export interface RunOutput {
  /** Output directory. */
  dir: string;
  /** Files written, relative to `dir`. */
  files: string[];
  /** Summary lines for a person. */
  summary: string[];
  /** The aggregate result (as written to result.json). */
  result: AnyResult;
  /** The simulator's cost. */
  perf: PerfReport | undefined;
}

/** Any experiment's aggregate result. */
export type AnyResult = NetworkResult | Omit<EclipseResult, 'nodes'> | Omit<AddrFloodResult, 'nodes'> | Omit<InboundFloodResult, 'nodes'> | PeerSetResult;

/** Deterministic JSON: 2-space indentation, a final newline (BigInts never occur in results). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** A percentage with enough digits to tell 99.99 % from 100 % and 0.5 % from 0 %. */
const pct = (x: number): string => `${(100 * x).toFixed(x > 0.999 && x < 1 ? 3 : x !== 0 && x < 0.01 ? 2 : 1)} %`;

/** Runs `scenario` and writes its outputs (see the module comment). */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunOutput> {
  const seed = options.seed ?? scenario.seed;
  const perfHolder: { report?: PerfReport } = {};
  let result: AnyResult;
  let nodes: NodeReport[] | undefined;
  const plots = new Map<string, string>();
  const summary: string[] = [`${scenario.kind} scenario "${scenario.name}", seed ${seed}`];
  switch (scenario.kind) {
    case 'network': {
      const r = await runNetwork(scenario, seed, options.onProgress, perfHolder);
      result = r.result;
      nodes = r.nodes;
      networkPlots(r.result, plots);
      const last = r.result.samples.at(-1);
      if (last) {
        summary.push(`${last.running} nodes running after ${last.tS} s; outbound full-relay mean ${last.outboundFullRelay.mean}, ` +
          `block-relay mean ${last.blockRelay.mean}, fully connected ${pct(last.fullyConnectedShare)}; tables: new ${last.newEntries.mean}, tried ${last.triedEntries.mean} (means)`);
      }
      break;
    }
    case 'eclipse': {
      const r = await runEclipse(scenario, seed, options.onProgress, perfHolder);
      nodes = r.nodes;
      result = withoutNodes(r);
      eclipsePlots(r, plots);
      for (const c of r.configurations) {
        const e = c.eclipse.at(-1)!;
        summary.push(`${c.name}: eclipsed ${e.all.k}/${e.all.n} (${pct(e.all.p)}, 95 % CI ${pct(e.all.lo)}–${pct(e.all.hi)}) ${e.afterS} s after restart; ` +
          `full-relay only ${e.fullRelayOnly.k}/${e.fullRelayOnly.n}; attacker share at restart tried ${pct(c.atRestart.triedAttackerShare.mean)}, ` +
          `new ${pct(c.atRestart.newAttackerShare.mean)}; f⁸ ${pct(c.atRestart.predictedF8)}`);
      }
      break;
    }
    case 'addr-flood': {
      const r = await runAddrFlood(scenario, seed, options.onProgress, perfHolder);
      nodes = r.nodes;
      result = withoutNodes(r);
      addrFloodPlots(r, plots);
      const v = r.victim;
      summary.push(`attacker addresses rate-limited ${pct(v.attackerRateLimited.p)} (${v.attackerRateLimited.k} of ${v.attackerRateLimited.n}); ` +
        `honest peers rate-limited ${v.honestRateLimited} of ${v.honestProcessed + v.honestRateLimited}; table ${v.entriesBefore} → ${v.entriesAfter} entries (max ${v.maxEntries}); ` +
        `joiners known: flooded node ${pct(v.joinersKnown.p)}, controls ${pct(r.controls.joinersKnown.p)}`);
      break;
    }
    case 'inbound-flood': {
      const r = await runInboundFlood(scenario, seed, options.onProgress, perfHolder);
      nodes = r.nodes;
      result = withoutNodes(r);
      inboundFloodPlots(r, plots);
      summary.push(`${r.flood.attempts} attempts, ${r.flood.connected} connected; max live inbound ${r.observed.maxLiveInbound}/${r.limits.maxInbound}, ` +
        `max live peers ${r.observed.maxLivePeers}/${r.limits.maxConnections}, violations ${r.observed.violations} in ${r.observed.checks} checks; ` +
        `protected honest peers surviving ${r.survival.all.k}/${r.survival.all.n}`);
      break;
    }
    case 'peer-set': {
      const r = await runPeerSet(scenario, seed, options.onProgress);
      result = r;
      peerSetPlots(r, plots);
      for (const u of r.untracked) {
        summary.push(`${u.case}: ${u.completed}/${u.attempts} handshakes completed; refused at ${Object.entries(u.steps).map(([k, v]) => `${k} ${v}`).join(', ')}; ` +
          `victim sent ${u.victimBytesSent} bytes`);
      }
      for (const f of r.floods) {
        summary.push(`flood ${f.name}: ${f.attempts} attempts, ${f.admitted} admitted (bound ${f.bound.admitted}), peak in flight ${f.peakInFlight}/${r.limits.maxInFlight}, completed ${f.completed}`);
      }
      summary.push(`honest core pairs disconnected in ${r.honest.violations} of ${r.honest.checks} checks (${r.honest.coreDisconnects} disconnections)`);
      break;
    }
  }
  const perf = perfHolder.report;
  if (perf) {
    summary.push(`simulator: ${perf.nodeHours} node-hours in ${perf.wallS} s wall / ${perf.cpuS} s CPU ` +
      `(${perf.nodeHoursPerWallS} node-h per wall s, ${perf.nodeHoursPerCpuS} per CPU s), peak RSS ${perf.peakRssMB} MB for ${perf.peakNodes} nodes`);
  }
  await mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, text: string): Promise<void> => {
    await writeFile(path.join(options.outDir, name), text);
    files.push(name);
  };
  await write('result.json', stableJson(result));
  await write('tables.md', markdownTables(result));
  if (nodes) await write('nodes.json', stableJson(nodes));
  if (perf) await write('perf.json', stableJson(perf));
  for (const [name, svg] of plots) await write(name, svg);
  return { dir: options.outDir, files, summary, result, perf };
}

function withoutNodes<T extends { nodes: unknown }>(r: T): Omit<T, 'nodes'> {
  const { nodes: _nodes, ...rest } = r;
  return rest;
}

function networkPlots(r: NetworkResult, plots: Map<string, string>): void {
  const t = (s: { tS: number }): number => s.tS / 60;
  plots.set('connections.svg', linePlot({
    title: `${r.name}: connections per node (mean)`,
    x: { label: 'time', unit: 'min' }, y: { label: 'connections', min: 0 },
    series: [
      { name: 'outbound full-relay', points: r.samples.map((s) => [t(s), s.outboundFullRelay.mean]) },
      { name: 'block-relay-only', points: r.samples.map((s) => [t(s), s.blockRelay.mean]) },
      { name: 'inbound (listening nodes)', points: r.samples.map((s) => [t(s), s.inbound.mean]) },
      { name: 'fully connected (×10)', points: r.samples.map((s) => [t(s), 10 * s.fullyConnectedShare]), dash: true },
    ],
  }));
  plots.set('tables.svg', linePlot({
    title: `${r.name}: address table per node (mean)`,
    x: { label: 'time', unit: 'min' }, y: { label: 'entries', min: 0 },
    series: [
      { name: 'new', points: r.samples.map((s) => [t(s), s.newEntries.mean]) },
      { name: 'tried', points: r.samples.map((s) => [t(s), s.triedEntries.mean]) },
    ],
  }));
}

function eclipsePlots(r: Omit<EclipseResult, 'nodes'>, plots: Map<string, string>): void {
  const attackers = [...new Set(r.configurations.map((c) => c.attacker))];
  for (const a of attackers) {
    const configs = r.configurations.filter((c) => c.attacker === a).slice(0, 8);
    plots.set(`shares-${a}.svg`, linePlot({
      title: `${r.name}: attacker ${a}'s share of victims' tables (solid: tried, dashed: new)`,
      x: { label: 'time since start', unit: 'h' }, y: { label: 'attacker share', min: 0, max: 1 },
      series: configs.flatMap((c) => [
        { name: `${c.name} tried`, points: c.series.map((p) => [p.tS / 3600, p.triedAttackerShare] as const) },
        { name: `${c.name} new`, points: c.series.map((p) => [p.tS / 3600, p.newAttackerShare] as const), dash: true },
      ]),
      width: 900, height: 420,
    }));
  }
  const last = (c: EclipseResult['configurations'][number]) => c.eclipse.at(-1)!;
  plots.set('eclipse.svg', barPlot({
    title: `${r.name}: Pr[all outbound to attacker] ${last(r.configurations[0]).afterS} s after restart`,
    categories: r.configurations.map((c) => c.name),
    series: [
      { name: 'measured', values: r.configurations.map((c) => last(c).all.p) },
      { name: '95 % upper bound', values: r.configurations.map((c) => last(c).all.hi) },
      { name: 'paper estimate f⁸', values: r.configurations.map((c) => c.atRestart.predictedF8) },
      { name: 'full-relay only, measured', values: r.configurations.map((c) => last(c).fullRelayOnly.p) },
    ],
    value: { label: 'probability', min: 0 },
  }));
}

function addrFloodPlots(r: AddrFloodResult, plots: Map<string, string>): void {
  const t = (s: { tS: number }): number => s.tS / 60;
  plots.set('flood-limit.svg', linePlot({
    title: `${r.name}: flood addresses processed vs rate-limited (cumulative)`,
    x: { label: 'time', unit: 'min' }, y: { label: 'addresses (log10)', min: 0 },
    series: [
      { name: 'rate-limited', points: r.samples.map((s) => [t(s), Math.log10(1 + s.attackerRateLimited)]) },
      { name: 'processed', points: r.samples.map((s) => [t(s), Math.log10(1 + s.attackerProcessed)]) },
    ],
  }));
  plots.set('flood-table.svg', linePlot({
    title: `${r.name}: the flooded node's table`,
    x: { label: 'time', unit: 'min' }, y: { label: 'entries', min: 0 },
    series: [
      { name: 'all entries', points: r.samples.map((s) => [t(s), s.entries]) },
      { name: 'flood addresses', points: r.samples.map((s) => [t(s), s.floodEntries]) },
    ],
  }));
}

function inboundFloodPlots(r: InboundFloodResult, plots: Map<string, string>): void {
  const t = (s: { tS: number }): number => s.tS / 60;
  plots.set('inbound.svg', linePlot({
    title: `${r.name}: inbound peers during the flood`,
    x: { label: 'time', unit: 'min' }, y: { label: 'peers', min: 0 },
    series: [
      { name: 'inbound limit', points: r.samples.map((s) => [t(s), r.limits.maxInbound]), dash: true },
      { name: 'inbound (live)', points: r.samples.map((s) => [t(s), s.inbound]) },
      { name: 'attacker', points: r.samples.map((s) => [t(s), s.attackerInbound]) },
      { name: 'protected honest', points: r.samples.map((s) => [t(s), s.honestInbound]) },
    ],
  }));
  const cats = ['lowPing', 'blockRelayers', 'txRelayers', 'longLived', 'all'] as const;
  plots.set('survival.svg', barPlot({
    title: `${r.name}: honest inbound peers still connected after the flood`,
    categories: [...cats],
    series: [{ name: 'share surviving', values: cats.map((c) => r.survival[c].p) }],
    value: { label: 'share', min: 0, max: 1 },
  }));
}

function peerSetPlots(r: PeerSetResult, plots: Map<string, string>): void {
  for (const f of r.floods) {
    plots.set(`flood-${f.name}.svg`, linePlot({
      title: `${r.name}: flood "${f.name}" (${f.ips} IPs in ${f.subnets} /24, ${f.perSecond}/s), cumulative`,
      x: { label: 'time since the flood began', unit: 's' }, y: { label: 'handshakes', min: 0 },
      series: [
        { name: 'admitted by the limiter', points: f.series.map((s) => [s.tS, s.admitted]) },
        { name: 'bound (per IP, per /24)', points: f.series.map((s) => [s.tS, admissionBound(f.ips, f.subnets, s.tS * 1000, true).admitted]), dash: true },
        { name: 'in flight', points: f.series.map((s) => [s.tS, s.inFlight]) },
      ],
    }));
  }
}


const ci = (p: { lo: number; hi: number }): string => `${pct(p.lo)}–${pct(p.hi)}`;

/** The headline tables of a result in Markdown. */
export function markdownTables(r: AnyResult): string {
  const out: string[] = [];
  if (r.kind === 'eclipse') {
    const at = r.configurations[0]?.eclipse.map((e) => e.afterS) ?? [];
    const last = at.length - 1;
    out.push(`Eclipse trials ${at[last] ?? 0} s after the restart (95 % Wilson intervals); f = attacker share of what selection draws from (½ tried + ½ new cells) at the restart.`, '');
    out.push('| configuration | victims | restarts | eclipsed (all outbound) | 95 % CI | all full-relay to attacker | 95 % CI | attacker share of tried | of new | f | paper estimate f⁸ | f¹⁰ |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const c of r.configurations) {
      const e = c.eclipse[last];
      out.push(`| ${c.name} | ${c.victims} | ${c.trials} | ${e.all.k}/${e.all.n} = ${pct(e.all.p)} | ${ci(e.all)} | ${e.fullRelayOnly.k}/${e.fullRelayOnly.n} = ${pct(e.fullRelayOnly.p)} | ${ci(e.fullRelayOnly)} | ` +
        `${pct(c.atRestart.triedAttackerShare.mean)} | ${pct(c.atRestart.newAttackerShare.mean)} | ${c.atRestart.f.mean.toFixed(3)} | ${pct(c.atRestart.predictedF8)} | ${pct(c.atRestart.predictedF10)} |`);
    }
    out.push('', 'Eclipsed share at each measuring instant after the restart (all outbound / all full-relay):', '');
    out.push(`| configuration | ${at.map((s) => `${s} s`).join(' | ')} |`, `|---|${at.map(() => '---').join('|')}|`);
    for (const c of r.configurations) out.push(`| ${c.name} | ${c.eclipse.map((e) => `${e.all.k}/${e.all.n} · ${e.fullRelayOnly.k}/${e.fullRelayOnly.n}`).join(' | ')} |`);
    out.push('', 'Victims (not restarts) with at least one eclipsed restart, at the last instant:', '');
    out.push('| configuration | victims eclipsed | 95 % CI | tried entries at restart (mean) | new cells (mean) |', '|---|---|---|---|---|');
    for (const c of r.configurations) {
      const v = c.victimLevel[last].anyRestartEclipsed;
      out.push(`| ${c.name} | ${v.k}/${v.n} | ${ci(v)} | ${c.atRestart.tried.mean} | ${c.atRestart.newCells.mean} |`);
    }
    out.push('', '| attacker | IPs | /16 groups | ASes | victim dials answered | getaddr answered | addresses sent |', '|---|---|---|---|---|---|---|');
    for (const a of r.attackers) out.push(`| ${a.id} | ${a.ips} | ${a.groups} | ${a.ases} | ${a.dialedByVictims} | ${a.getaddrAnswered} | ${a.addressesSent} |`);
  } else if (r.kind === 'addr-flood') {
    const v = r.victim;
    out.push('| measure | value |', '|---|---|');
    out.push(`| flood | ${r.flood.attackers} peers × ${r.flood.addrsPerSecond} addr/s × ${r.flood.durationS} s = ${r.flood.addressesSent} addresses in ${r.flood.messagesSent} messages |`);
    out.push(`| attacker addresses rate-limited | ${v.attackerRateLimited.k} of ${v.attackerRateLimited.n} = ${pct(v.attackerRateLimited.p)} (95 % CI ${ci(v.attackerRateLimited)}) |`);
    out.push(`| attacker addresses processed | ${v.attackerProcessed} |`);
    out.push(`| honest peers: processed / rate-limited | ${v.honestProcessed} / ${v.honestRateLimited} |`);
    out.push(`| table entries before → after (max) | ${v.entriesBefore} → ${v.entriesAfter} (${v.maxEntries}; capacity 81,920) |`);
    out.push(`| table memory (typed arrays, max) | ${(v.tableBytesMax / 1024).toFixed(0)} KiB |`);
    out.push(`| honest addresses in the table before → after | ${v.honestEntriesBefore} → ${v.honestEntriesAfter} |`);
    out.push(`| honest joiners known: flooded node | ${v.joinersKnown.k}/${v.joinersKnown.n} = ${pct(v.joinersKnown.p)} |`);
    out.push(`| honest joiners known: ${r.controls.nodes} control nodes | ${r.controls.joinersKnown.k}/${r.controls.joinersKnown.n} = ${pct(r.controls.joinersKnown.p)} |`);
    out.push(`| attacker connections still open at the end | ${v.attackerPeersAtEnd} of ${r.flood.attackers} |`);
  } else if (r.kind === 'inbound-flood') {
    out.push('| measure | value |', '|---|---|');
    out.push(`| attempts (connected) | ${r.flood.attempts} (${r.flood.connected}), ${r.flood.perSecond}/s from ${r.flood.groups} /16s |`);
    out.push(`| limits | ${r.limits.maxConnections} connections, ${r.limits.maxInbound} inbound |`);
    out.push(`| highest live inbound / live peers / sockets incl. disconnecting | ${r.observed.maxLiveInbound} / ${r.observed.maxLivePeers} / ${r.observed.maxSocketsInclDisconnecting} |`);
    out.push(`| limit violations | ${r.observed.violations} in ${r.observed.checks} checks |`);
    out.push(`| inbound evictions | ${r.victim.inboundEvictions} |`);
    out.push(`| min ping: low-ping honest peers / attacker | ${r.pingMs.lowPingHonest} ms / ${r.pingMs.attacker} ms |`);
    out.push('', '| honest inbound peers | survived | 95 % CI |', '|---|---|---|');
    for (const k of ['lowPing', 'blockRelayers', 'txRelayers', 'longLived', 'all'] as const) out.push(`| ${k} | ${r.survival[k].k}/${r.survival[k].n} | ${ci(r.survival[k])} |`);
  } else if (r.kind === 'peer-set') {
    out.push(`Honest network: ${r.network.coreMembers} core members + ${r.network.rotatingMembers} rotating (one per epoch), ${r.network.epochs} epochs, ` +
      `${r.network.trackedPeerSets} sets kept; ${r.network.registeredAttackerIps} attacker IPs registered as secondary keys' source IPs.`, '');
    out.push('| untracked-key case | attempts | handshakes completed | refused at | reasons | bytes the victim sent |', '|---|---|---|---|---|---|');
    for (const u of r.untracked) {
      out.push(`| ${u.case} | ${u.attempts} | ${u.completed} | ${Object.entries(u.steps).map(([k, v]) => `${k} ${v}`).join(', ')} | ` +
        `${Object.entries(u.reasons).map(([k, v]) => `${k} ${v}`).join(', ')} | ${u.victimBytesSent} |`);
    }
    out.push('', `Limiter: 1 handshake per IP per ${r.limits.perIpIntervalMs / 1000} s, ${r.limits.perSubnetPerSecond}/s per /24 (burst ${r.limits.perSubnetPerSecond}), ${r.limits.maxInFlight} in flight.`, '');
    out.push('| flood | IPs (/24s) | rate × duration | attempts | admitted | bound (per IP / per /24) | refused | peak in flight | completed |', '|---|---|---|---|---|---|---|---|---|');
    for (const f of r.floods) {
      out.push(`| ${f.name} (${f.behaviour}) | ${f.ips} (${f.subnets}) | ${f.perSecond}/s × ${f.durationS} s | ${f.attempts} | ${f.admitted} | ${f.bound.admitted} (${f.bound.perIp} / ${f.bound.perSubnet}) | ` +
        `${Object.entries(f.refused).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} | ${f.peakInFlight} | ${f.completed} |`);
    }
    const h = r.honest;
    out.push('', '| honest members | value |', '|---|---|');
    out.push(`| all core pairs connected after | ${h.fullyConnectedAtS} s |`);
    out.push(`| checks with a core pair disconnected | ${h.violations} of ${h.checks} |`);
    out.push(`| core disconnections after that | ${h.coreDisconnects} |`);
    out.push(`| rotating members connected while kept / dropped after | ${h.rotation.map((x) => `epoch ${x.epoch}: ${x.connectedWhileKept ? 'yes' : 'no'} / ${x.disconnectedAfterDrop === null ? 'still kept' : x.disconnectedAfterDrop ? 'yes' : 'no'}`).join('; ')} |`);
    out.push(`| victim's completed handshakes (responder / initiator) | ${h.victimHandshakes.responder} / ${h.victimHandshakes.initiator} |`);
  } else {
    const last = r.samples.at(-1);
    out.push('| measure | value |', '|---|---|');
    if (last) {
      out.push(`| nodes running at the end | ${last.running} |`);
      out.push(`| outbound full-relay per node (mean, min) | ${last.outboundFullRelay.mean}, ${last.outboundFullRelay.min} |`);
      out.push(`| block-relay-only per node (mean) | ${last.blockRelay.mean} |`);
      out.push(`| inbound per listening node (mean, max) | ${last.inbound.mean}, ${last.inbound.max} |`);
      out.push(`| nodes with all 10 outbound slots filled | ${pct(last.fullyConnectedShare)} |`);
      out.push(`| table: new / tried entries per node (mean) | ${last.newEntries.mean} / ${last.triedEntries.mean} |`);
    }
    out.push(`| churn: left / joined / restarted | ${r.churn.left} / ${r.churn.joined} / ${r.churn.restarted} |`);
    out.push(`| links opened, dials timed out | ${r.links.linksOpened}, ${r.links.dialsTimedOut} |`);
  }
  return out.join('\n') + '\n';
}
