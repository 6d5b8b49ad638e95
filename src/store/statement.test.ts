import { describe, expect, it } from 'vitest';
import { named, statementText } from './statement.js';

describe('named statements', () => {
  it('keep one text per name', () => {
    const first = named('statement_test_one', 'SELECT $1::int AS n');
    expect(named('statement_test_one', 'SELECT $1::int AS n')).toEqual(first);
    expect(() => named('statement_test_one', 'SELECT $1::int AS m')).toThrow('the statement name "statement_test_one" already stands for another text');
  });

  it('read as their text wherever no name is sent', () => {
    expect(statementText(named('statement_test_two', 'SELECT 2'))).toBe('SELECT 2');
    expect(statementText('SELECT 3')).toBe('SELECT 3');
  });
});
