/**
 * Errors of the addrman layer. Every failure to read peers.dat is a `PeersDatError` whose `reason` says
 * what was wrong; a file written by a newer, incompatible version is the subclass
 * `PeersDatVersionError` (code `ERR_PEERS_DAT_VERSION`), which a caller handles like Core's
 * `InvalidAddrManVersionError`: move the file to peers.dat.bak and start with an empty table.
 */
import { PeerbookError } from '../util/errors.js';

/** Why a peers.dat file could not be read. */
export type PeersDatErrorReason =
  | 'invalid-magic'
  | 'checksum-mismatch'
  | 'truncated'
  | 'corrupt-compat'
  | 'unsupported-version'
  | 'count-out-of-range'
  | 'bad-record'
  | 'duplicate-entry'
  | 'trailing-data'
  | 'consistency';

/** Details attached to a `PeersDatError`. */
export interface PeersDatErrorDetails {
  /** Byte offset in the file where the problem was found. */
  offset?: number;
  /** Core's consistency-check code (reason `consistency`). */
  checkCode?: number;
  /** The underlying error. */
  cause?: unknown;
}

/** peers.dat is unreadable (code `ERR_PEERS_DAT`); `reason` is stable, the message says what and where. */
export class PeersDatError extends PeerbookError {
  /** Stable machine-readable reason. */
  readonly reason: PeersDatErrorReason;
  /** Byte offset in the file, when known. */
  readonly offset?: number;
  /** Core consistency-check code, for reason `consistency`. */
  readonly checkCode?: number;

  /** @param reason stable reason; @param message Core's wording plus file offset. */
  constructor(reason: PeersDatErrorReason, message: string, details: PeersDatErrorDetails = {}, code = 'ERR_PEERS_DAT') {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.checkCode !== undefined) this.checkCode = details.checkCode;
  }
}

/**
 * peers.dat was written in a format this version cannot read (its lowest compatible format is newer
 * than ours): back the file up and start afresh, as Core does with `InvalidAddrManVersionError`.
 */
export class PeersDatVersionError extends PeersDatError {
  /** @param message Core's "Unsupported format of addrman database" wording. */
  constructor(message: string, offset: number) {
    super('unsupported-version', message, { offset }, 'ERR_PEERS_DAT_VERSION');
  }
}

/** The table failed its consistency check during an operation (Core asserts; code `ERR_ADDRMAN_CONSISTENCY`). */
export class AddrManConsistencyError extends PeerbookError {
  /** Core's error code (-1 … -21) or Peerbook's (≤ -101). */
  readonly checkCode: number;

  /** @param checkCode the failing check's code. */
  constructor(checkCode: number) {
    super('ERR_ADDRMAN_CONSISTENCY', `ADDRMAN CONSISTENCY CHECK FAILED!!! err=${checkCode}`);
    this.checkCode = checkCode;
  }
}

/**
 * A table image (a snapshot, a peers.json or a peers.dat) cannot be loaded (code `ERR_ADDRMAN_RESTORE`):
 * `index` and `field` say where. peers.dat's reader turns it into a `PeersDatError` with a byte offset,
 * peers.json's into a `PeersJsonError` with a JSON path.
 */
export class AddrManRestoreError extends PeerbookError {
  /** Index of the offending entry, or -1 for the input as a whole. */
  readonly index: number;
  /** The offending field (`address`, `cells[1].position`, `key`, …). */
  readonly field: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** Core's consistency-check code the problem amounts to, when there is one (-5: an address repeats). */
  readonly checkCode?: number;

  /** @param index entry index or -1; @param field field name; @param problem what is wrong; @param checkCode Core's code. */
  constructor(index: number, field: string, problem: string, checkCode?: number) {
    super('ERR_ADDRMAN_RESTORE', `${index >= 0 ? `entry ${index}` : 'snapshot'} ${field}: ${problem}`);
    this.index = index;
    this.field = field;
    this.problem = problem;
    if (checkCode !== undefined) this.checkCode = checkCode;
  }
}
