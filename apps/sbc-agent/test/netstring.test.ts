import { describe, expect, it } from 'vitest';
import { NetstringDecoder } from '../src/netstring.js';

describe('the evapi netstring decoder', () => {
  it('splits back-to-back frames', () => {
    expect(new NetstringDecoder().push(Buffer.from('3:abc,2:{},'))).toEqual(['abc', '{}']);
  });

  it('joins a frame cut across chunks, even inside the length prefix', () => {
    const decoder = new NetstringDecoder();
    expect(decoder.push(Buffer.from('1'))).toEqual([]);
    expect(decoder.push(Buffer.from('1:hello'))).toEqual([]);
    expect(decoder.push(Buffer.from(' world,'))).toEqual(['hello world']);
  });

  it('counts bytes, not characters', () => {
    expect(new NetstringDecoder().push(Buffer.from('7:Møller,'))).toEqual(['Møller']);
  });

  it('rejects a stream that is not netstrings', () => {
    expect(() => new NetstringDecoder().push(Buffer.from('{"event":1}'))).toThrow(/length prefix/);
    expect(() => new NetstringDecoder().push(Buffer.from('3:abcd'))).toThrow(/comma/);
  });
});
