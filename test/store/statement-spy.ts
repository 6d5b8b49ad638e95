import type { Db, Queryable, QueryResult } from '../../src/store/db.js';
import { statementText, type Statement } from '../../src/store/statement.js';

/**
 * Sees one statement before it is sent: returns an answer to give back instead of running it,
 * or undefined to run it.
 */
export type StatementSpy = (text: string, values: readonly unknown[]) => QueryResult<unknown> | undefined;

/**
 * Runs `work` with every parameterised statement sent on `db`, in and out of its transactions,
 * shown to `spy` first. Benches use it too, so it imports nothing from the test runner.
 */
export async function spyOnStatements<T>(db: Db, spy: StatementSpy, work: () => Promise<T>): Promise<T> {
  const watch = (queryable: Queryable): void => {
    const original = queryable.query.bind(queryable);
    queryable.query = (async (statement: Statement, values?: readonly unknown[]) =>
      spy(statementText(statement), values ?? []) ?? original(statement, values)) as Queryable['query'];
  };
  const spied = db as { query: Queryable['query']; transaction: Db['transaction'] };
  const transaction = db.transaction.bind(db);
  watch(db);
  spied.transaction = ((fn, options) =>
    transaction(async (tx) => {
      watch(tx);
      return fn(tx);
    }, options)) as Db['transaction'];
  try {
    return await work();
  } finally {
    delete (spied as Partial<typeof spied>).query;
    delete (spied as Partial<typeof spied>).transaction;
  }
}
