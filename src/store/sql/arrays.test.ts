import { describe, expect, it } from 'vitest';
import { plainArray, textArray } from './arrays.js';

describe('array parameters as PostgreSQL array literals', () => {
  const same = <T>(item: T): T => item;

  it('write no element, one and several, NULL for null', () => {
    expect(plainArray([], same)).toBe('{}');
    expect(plainArray([7], same)).toBe('{7}');
    expect(plainArray([1, null, 2.5, true], same)).toBe('{1,NULL,2.5,true}');
    expect(textArray([], same)).toBe('{}');
    expect(textArray(['only'], same)).toBe('{"only"}');
    expect(textArray<string | null>(['a', null, 'NULL'], same)).toBe('{"a",NULL,"NULL"}');
  });

  it('quote text with quotes, backslashes, commas and braces so it reads back the same', () => {
    expect(textArray(['say "hi"', 'back\\slash', 'a,b', '{x}', ''], same)).toBe('{"say \\"hi\\"","back\\\\slash","a,b","{x}",""}');
  });

  it('reuse the quoted form of a value equal to the one before', () => {
    expect(textArray(['x', 'x', 'y', 'x'], same)).toBe('{"x","x","y","x"}');
  });
});
