export { createStore, type CreateStoreOptions } from './create-store.js';
export type * from './types.js';
