/** One message of a `text/event-stream` body. */
export interface StreamMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Parses what has arrived of an event stream into its messages (comments dropped, a trailing partial message ignored). */
export function parseEventStream(text: string): StreamMessage[] {
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  blocks.pop(); // the part after the last blank line is not a complete message yet
  return blocks.flatMap((block) => {
    const message: StreamMessage = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') message.id = value;
      else if (field === 'event') message.event = value;
    }
    if (data.length === 0) return [];
    message.data = data.join('\n');
    return [message];
  });
}
