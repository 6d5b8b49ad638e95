import { describe, expect, it } from 'vitest';
import { formatRecord, formatTable } from './table.js';

describe('terminal tables', () => {
  it('align every column to its widest cell and never pad the last one', () => {
    const table = formatTable(
      [
        { id: 'a', name: 'short', note: 'x' },
        { id: 'bbbb', name: 'a longer name', note: 'multi\nline' },
      ],
      [
        { header: 'ID', value: (row) => row.id },
        { header: 'NAME', value: (row) => row.name },
        { header: 'NOTE', value: (row) => row.note },
      ],
    );
    expect(table.split('\n')).toEqual([
      'ID    NAME           NOTE',
      'a     short          x',
      'bbbb  a longer name  multi line',
    ]);
  });

  it('show one object as aligned fields, with nested values as JSON and missing ones as a dash', () => {
    expect(formatRecord({ id: 'j1', retry: { maxAttempts: 3 }, lastStatus: null }).split('\n')).toEqual([
      'id:          j1',
      'retry:       {"maxAttempts":3}',
      'lastStatus:  -',
    ]);
  });
});
