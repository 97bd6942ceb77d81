/** address/: network addresses of every BIP155 network, their encodings, groups, asmap and subnets. */
export * from './network.js';
export * from './netaddress.js';
export * from './service.js';
export * from './record.js';
export * from './netgroup.js';
export * from './group-label.js';
export * from './asmap.js';
export * from './subnet.js';
