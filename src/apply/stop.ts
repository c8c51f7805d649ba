import { setMaxListeners } from "node:events";
import type { BatchError } from "../errors.js";
import type { StopReason } from "../output/summarize.js";

/**
 * How a run stops. The first reason wins; once stopped, no row starts (rows not started are
 * `not_attempted`). A graceful stop (`interrupt`: the caller's signal, a failing output) gives the
 * rows in flight `graceMs` to finish before `hard` cancels their requests.
 */
export class RunStop {
  /** Every request in flight, and every worker waiting at a rate-limit gate, listens on this. */
  readonly hard: AbortSignal;
  readonly #controller = new AbortController();
  readonly #graceMs: number;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort = (): void => this.interrupt();
  #reason: StopReason | undefined;
  #error: BatchError | undefined;
  #grace: NodeJS.Timeout | undefined;

  constructor(caller: AbortSignal | undefined, graceMs: number) {
    this.hard = this.#controller.signal;
    setMaxListeners(0, this.hard);
    this.#graceMs = graceMs;
    this.#caller = caller;
    if (caller?.aborted) this.interrupt();
    else caller?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get reason(): StopReason | undefined {
    return this.#reason;
  }

  /** The run-level error behind the stop (rejected credentials, outage, input changed), if any. */
  get error(): BatchError | undefined {
    return this.#error;
  }

  get stopped(): boolean {
    return this.#reason !== undefined;
  }

  stop(reason: StopReason, error?: BatchError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#error = error;
  }

  /** Graceful: no row starts any more; rows in flight get the grace period, then are cancelled. */
  interrupt(): void {
    this.stop("interrupted");
    if (this.#grace !== undefined) return;
    this.#grace = setTimeout(() => this.#controller.abort(), this.#graceMs);
    this.#grace.unref();
  }

  /** Cancel every request now (the run has settled, or failed). */
  abort(): void {
    this.#controller.abort();
  }

  /** Stop listening to the caller's signal (the pipeline has ended). */
  detach(): void {
    this.#caller?.removeEventListener("abort", this.#onAbort);
  }

  /** After the last write: nothing of the run may linger. */
  dispose(): void {
    this.detach();
    if (this.#grace !== undefined) clearTimeout(this.#grace);
  }
}
