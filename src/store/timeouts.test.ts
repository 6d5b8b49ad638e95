import { describe, expect, it } from 'vitest';
import { databaseTimeouts } from './timeouts.js';

describe('how long database calls may take', () => {
  it('follows from the heartbeat interval and the node timeout when nothing is set', () => {
    expect(databaseTimeouts({ heartbeatIntervalMs: 2000, nodeTimeoutMs: 10_000 })).toEqual({
      statementMs: 5000,
      queryMs: 6000,
      connectMs: 2000,
      controlMs: 2000,
    });
    expect(databaseTimeouts({ heartbeatIntervalMs: 500, nodeTimeoutMs: 3000 })).toEqual({
      statementMs: 1500,
      queryMs: 2500,
      connectMs: 1000,
      controlMs: 500,
    });
  });

  it('takes what the operator set, and derives the query timeout from a statement timeout set alone', () => {
    const settings = { heartbeatIntervalMs: 2000, nodeTimeoutMs: 10_000 };
    expect(databaseTimeouts({ ...settings, dbStatementTimeoutMs: 30_000 })).toMatchObject({ statementMs: 30_000, queryMs: 31_000 });
    expect(databaseTimeouts({ ...settings, dbStatementTimeoutMs: null, dbQueryTimeoutMs: 4000, dbConnectTimeoutMs: 700 })).toMatchObject({
      statementMs: 5000,
      queryMs: 4000,
      connectMs: 700,
    });
  });
});
