export { createStore, type CreateStoreOptions } from './create-store.js';
export type * from './types.js';
export { databaseTimeouts, type DatabaseTimeouts } from './timeouts.js';
