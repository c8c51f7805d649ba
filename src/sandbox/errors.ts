import { BatchError } from "../errors.js";

/**
 * The sandbox cannot start: bad options, unusable seed data, or the port is taken.
 * Codes: `E_SANDBOX_OPTIONS`, `E_SANDBOX_SEED`, `E_SANDBOX_LISTEN`.
 */
export class SandboxError extends BatchError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
