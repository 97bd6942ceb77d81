/** sim/: simulated networks of connection managers on an in-memory transport and a virtual clock (see network.ts). */
export * from './network.js';
