/**
 * The test network of netns.test.ts, shared by the test and the script that runs inside the
 * namespace (netns-network.ts). Eight Peerbook nodes on 20.0.0.1–8 whose tables form a chain (each
 * knows the next; the last knows the first), plus four addresses that fail in different ways. The
 * addresses look public (20.0.0.0/8) so the nodes' routability rules let them be gossiped; they
 * exist only on the namespace's loopback.
 */

/** The Peerbook nodes, in chain order. */
export const CHAIN = ['20.0.0.1', '20.0.0.2', '20.0.0.3', '20.0.0.4', '20.0.0.5', '20.0.0.6', '20.0.0.7', '20.0.0.8'];
/** On loopback, but nothing listens: the dial is refused. */
export const REFUSED = '20.0.0.9';
/** A TCP server that accepts and never speaks: the handshake times out. */
export const SILENT = '20.0.0.10';
/** No route at all: the dial fails at once with ENETUNREACH. */
export const NO_ROUTE = '20.0.1.1';
/** Routed into loopback but not local: SYNs vanish and the dial times out. */
export const BLACKHOLE = '20.0.2.1';
/** The route that makes BLACKHOLE swallow packets. */
export const BLACKHOLE_ROUTE = '20.0.2.0/24';

/** Addresses added to the namespace's loopback. */
export const LOCAL_IPS = [...CHAIN, REFUSED, SILENT];

/** What each node's address table holds. */
export const KNOWS: Readonly<Record<string, readonly string[]>> = {
  '20.0.0.1': ['20.0.0.2'],
  '20.0.0.2': ['20.0.0.3', '20.0.0.1'],
  '20.0.0.3': ['20.0.0.4', REFUSED],
  '20.0.0.4': ['20.0.0.5'],
  '20.0.0.5': ['20.0.0.6', NO_ROUTE],
  '20.0.0.6': ['20.0.0.7'],
  '20.0.0.7': ['20.0.0.8', BLACKHOLE, SILENT],
  '20.0.0.8': ['20.0.0.1'],
};

/** The error code the crawl should record for each address that does not work. */
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {
  [REFUSED]: 'ERR_CONNECT_REFUSED',
  [NO_ROUTE]: 'ERR_CONNECT_UNREACHABLE',
  [BLACKHOLE]: 'ERR_CONNECT_TIMEOUT',
  [SILENT]: 'ERR_HANDSHAKE_TIMEOUT',
};

/** The regtest P2P port everything uses. */
export const PORT = 18444;

/** The asmap given to the full crawl: CHAIN .1–.3 in one AS, .4–.7 in another, .8 and up in a third. */
export const ASMAP_PREFIXES: ReadonlyArray<{ cidr: string; asn: number }> = [
  { cidr: '20.0.0.0/30', asn: 65_001 },
  { cidr: '20.0.0.4/30', asn: 65_002 },
  { cidr: '20.0.0.8/29', asn: 65_003 },
];
/** Reachable nodes per AS the report must show (largest first). */
export const EXPECTED_AS_NODES: ReadonlyArray<[string, number]> = [['AS65002', 4], ['AS65001', 3], ['AS65003', 1]];
/** The asmap file's name in the work directory. */
export const ASMAP_FILE = 'netns.asmap';
