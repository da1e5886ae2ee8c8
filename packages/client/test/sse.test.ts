import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/sse.js';

describe('SseParser', () => {
  it('reads id, event and data of a message ended by a blank line', () => {
    expect(new SseParser().push('id: 7\nevent: started\ndata: {"a":1}\n\n')).toEqual([{ id: '7', event: 'started', data: '{"a":1}' }]);
  });

  it('ignores comment lines such as the heartbeat', () => {
    expect(new SseParser().push(': connected\n\n: heartbeat\n\n')).toEqual([]);
  });

  it('joins several data lines with newlines', () => {
    expect(new SseParser().push('data: one\ndata: two\n\n')[0]?.data).toBe('one\ntwo');
  });

  it('accepts CRLF and CR line ends, even when a CRLF is split between chunks', () => {
    const parser = new SseParser();
    expect(parser.push('id: 1\r')).toEqual([]);
    expect(parser.push('\ndata: x\r\n\r')).toEqual([]);
    expect(parser.push('\rdata: y\r\r\n')).toEqual([
      { id: '1', event: 'message', data: 'x' },
      { id: '1', event: 'message', data: 'y' },
    ]);
  });

  it('completes a message whose lines arrive in pieces', () => {
    const parser = new SseParser();
    const pieces = ['id: 4', '2\nev', 'ent: ended\nda', 'ta: {}\n', '\n'];
    expect(pieces.flatMap((p) => parser.push(p))).toEqual([{ id: '42', event: 'ended', data: '{}' }]);
  });

  it('keeps the last id for later messages without one, and reads retry', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 1500\nid: 3\ndata: a\n\ndata: b\n\n').map((m) => m.id)).toEqual(['3', '3']);
    expect(parser.retryMs).toBe(1500);
  });

  it('drops a message with no data, and a field without a colon is a field with an empty value', () => {
    expect(new SseParser().push('event: x\n\ndata\n\n')).toEqual([{ id: undefined, event: 'message', data: '' }]);
  });
});
