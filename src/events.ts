import type { EventEmitter } from "node:events";

/**
 * Resolves on the first of `events` from `emitter`, and stops listening to all of them then (a
 * stream that may have data, has drained, ended, failed or closed: a waiter never hangs on a
 * stream that went away).
 */
export function firstEvent(emitter: EventEmitter, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) emitter.off(event, done);
      resolve();
    };
    for (const event of events) emitter.on(event, done);
  });
}
