import { describe, expect, it } from 'vitest';
import { JobSchedulerError } from '../errors.js';
import { DbConnectionError, DbTimeoutError } from './db.js';
import { databaseFailure, toStoreError, transience } from './errors.js';

function sqlError(code: string, constraint?: string): Error {
  return Object.assign(new Error('driver text that must not matter'), { code, ...(constraint ? { constraint } : {}) });
}

describe('mapping driver errors to the catalogue', () => {
  it.each([
    ['23505', 'CONFLICT'],
    ['23503', 'NOT_FOUND'],
    ['23514', 'VALIDATION_FAILED'],
    ['22P02', 'VALIDATION_FAILED'],
    ['40001', 'STORE_UNAVAILABLE'],
    ['57P01', 'STORE_UNAVAILABLE'],
    ['08006', 'STORE_UNAVAILABLE'],
    ['53300', 'STORE_UNAVAILABLE'],
    ['57014', 'STORE_UNAVAILABLE'],
    ['25P03', 'STORE_UNAVAILABLE'],
    ['28P01', 'STORE_UNAVAILABLE'],
    ['42P01', 'STORE_UNAVAILABLE'],
    ['42601', 'INTERNAL'],
  ])('SQLSTATE %s becomes %s', (state, code) => {
    const mapped = toStoreError(sqlError(state), 'jobCreate');
    expect(mapped.code).toBe(code);
    expect(mapped.details).toMatchObject({ operation: 'jobCreate', sqlState: state });
  });

  it('names the job conflict in words a user can act on', () => {
    expect(toStoreError(sqlError('23505', 'jobs_pkey'), 'jobCreate').message).toBe('A job with this id already exists');
  });

  it('tells the operator to migrate when the tables are missing', () => {
    expect(toStoreError(sqlError('42P01'), 'jobGet').message).toMatch(/jobscheduler migrate/);
  });

  it('reports a broken connection as STORE_UNAVAILABLE and keeps the cause', () => {
    const lost = new DbConnectionError('Connection terminated', 'unknown');
    const mapped = toStoreError(lost, 'ping');
    expect(mapped.code).toBe('STORE_UNAVAILABLE');
    expect(mapped.cause).toBe(lost);
  });

  it('says how long a call waited when it got no answer in time', () => {
    const silent = new DbTimeoutError('no answer from the database within 6000 ms', 6000, 'unknown');
    const mapped = toStoreError(silent, 'jobClaimDue');
    expect(mapped).toMatchObject({ code: 'STORE_UNAVAILABLE', details: { operation: 'jobClaimDue', timeoutMs: 6000 } });
    expect(mapped.message).toBe('The database did not answer in time (jobClaimDue): no answer from the database within 6000 ms');
    expect(toStoreError(sqlError('57014'), 'jobList').message).toMatch(/statement timeout/);
  });

  it('passes the catalogue\'s own errors through and wraps anything else as INTERNAL', () => {
    const ours = new JobSchedulerError('NOT_FOUND', 'No job');
    expect(toStoreError(ours, 'jobGet')).toBe(ours);
    expect(toStoreError(new TypeError('bug'), 'jobGet').code).toBe('INTERNAL');
  });
});

describe('which errors are worth retrying', () => {
  it('decides by SQLSTATE, never by message', () => {
    expect(transience(sqlError('40001'))).toBe('rolled-back');
    expect(transience(sqlError('40P01'))).toBe('rolled-back');
    expect(transience(sqlError('57P01'))).toBe('rolled-back');
    expect(transience(sqlError('08006'))).toBe('unknown-outcome');
    expect(transience(sqlError('25P03'))).toBe('rolled-back');
    expect(transience(sqlError('57014'))).toBe('timed-out');
    expect(transience(new DbTimeoutError('no answer', 100, 'no'))).toBe('timed-out');
    expect(transience(sqlError('23505'))).toBe('permanent');
    expect(transience(Object.assign(new Error('deadlock detected'), { code: 'ECONNRESET' }))).toBe('permanent');
  });
});

describe('why a call failed, for the failure counter', () => {
  it('tells silence from broken connections and from a server that cannot serve, and ignores the rest', () => {
    expect(databaseFailure(new DbTimeoutError('no answer', 100, 'no'))).toBe('timeout');
    expect(databaseFailure(sqlError('57014'))).toBe('timeout');
    expect(databaseFailure(new DbConnectionError('connect ECONNREFUSED', 'no'))).toBe('connection');
    expect(databaseFailure(sqlError('57P01'))).toBe('unavailable');
    expect(databaseFailure(sqlError('53300'))).toBe('unavailable');
    expect(databaseFailure(sqlError('23505'))).toBeNull();
    expect(databaseFailure(new JobSchedulerError('NOT_FOUND', 'No job'))).toBeNull();
  });
});
