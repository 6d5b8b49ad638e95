import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isForbiddenAddress } from '../jobs/targets.js';
import type { LookupFunction } from './dispatcher.js';

/**
 * Name resolution for target connections that refuses link-local and cloud metadata
 * addresses. The API checks what a URL says; only here, when the connection is made, can a
 * name that resolves to such an address (or is re-pointed to one later) be caught.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  const all = (options as LookupAllOptions).all === true;
  dnsLookup(hostname, { ...(options as LookupOneOptions), all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, all ? [] : '', 0);
      return;
    }
    const forbidden = addresses.find((entry) => isForbiddenAddress(entry.address));
    if (forbidden) {
      const refused = Object.assign(new Error(`${hostname} resolves to ${forbidden.address}, a link-local or metadata address`), {
        code: 'EFORBIDDEN',
      });
      callback(refused, all ? [] : '', 0);
      return;
    }
    if (all) {
      (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
      return;
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};
