import type { Event } from '@sbc/contract';

const frames = new WeakMap<Event, Buffer>();

/** An event's SSE message, encoded once however many streams it goes to (and shared by them). */
export function frameOf(event: Event): Buffer {
  let frame = frames.get(event);
  if (!frame) {
    frame = Buffer.from(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    frames.set(event, frame);
  }
  return frame;
}
