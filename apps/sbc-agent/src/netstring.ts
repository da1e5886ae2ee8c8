// evapi frames each message as a netstring: `<length>:<bytes>,`. Chunks from the socket are
// cut anywhere, so the decoder keeps what it has not consumed yet.

export class NetstringDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Appends a chunk; returns every message completed by it. Throws on a malformed stream. */
  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: string[] = [];
    for (;;) {
      // Whitespace between frames is tolerated: Kamailio's own clients send a newline after some.
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0a || this.buffer[start] === 0x0d || this.buffer[start] === 0x20)) start++;
      const colon = this.buffer.indexOf(0x3a, start);
      if (colon === -1) {
        if (this.buffer.length - start > 10) throw new Error('netstring: length prefix too long');
        this.buffer = this.buffer.subarray(start);
        return messages;
      }
      const prefix = this.buffer.subarray(start, colon).toString('ascii');
      if (!/^[0-9]{1,9}$/.test(prefix)) throw new Error(`netstring: bad length prefix ${JSON.stringify(prefix)}`);
      const length = Number(prefix);
      const end = colon + 1 + length;
      if (this.buffer.length < end + 1) {
        this.buffer = this.buffer.subarray(start);
        return messages;
      }
      if (this.buffer[end] !== 0x2c) throw new Error('netstring: missing comma after the payload');
      messages.push(this.buffer.subarray(colon + 1, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
    }
  }
}
