/**
 * Peerbook's BIP14 user agent: what it announces in the `subversion` field of `version` (and what
 * getnetworkinfo reports). The crawler appends its own comment to it.
 */

/** Default user agent (BIP14 `/Name:version/`). */
export const DEFAULT_USER_AGENT = '/Peerbook:0.1.0/';
