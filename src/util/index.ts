/** util/: the seams (Clock, Random), hashes, byte codecs and typed errors every other layer uses. */
export * from './errors.js';
export * from './hex.js';
export * from './bytes.js';
export * from './hash.js';
export * from './siphash.js';
export * from './random.js';
export * from './clock.js';
export * from './rolling-bloom.js';
export * from './events.js';
export * from './public-key.js';
