import { describe, expect, it } from 'vitest';
import { parseEventStream } from '../../src/spec/event-stream.js';

describe('reading an event stream', () => {
  it('yields complete messages with their id, event name and data, skipping comments', () => {
    const text = ': connected\n\nid: 1\nevent: started\ndata: {"a":\ndata: 1}\n\n: heartbeat\n\nid: 2\r\nevent: ended\r\ndata: {}\r\n\r\nid: 3\ndata: {"partial"';
    expect(parseEventStream(text)).toEqual([
      { id: '1', event: 'started', data: '{"a":\n1}' },
      { id: '2', event: 'ended', data: '{}' },
    ]);
  });
});
