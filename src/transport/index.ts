/** transport/: the byte-stream seam (TCP, in-memory, SOCKS5) the peer layer talks through. */
export * from './transport.js';
export * from './tcp.js';
export * from './memory.js';
export * from './socks5.js';
export * from './router.js';
export * from './loopback-map.js';
