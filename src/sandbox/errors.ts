/**
 * The sandbox cannot start: bad options, unusable seed data, or the port is taken.
 * Codes: `E_SANDBOX_OPTIONS`, `E_SANDBOX_SEED`, `E_SANDBOX_LISTEN`.
 * Not one of the tool's own errors (src/errors.ts): the sandbox shares no code with the client.
 */
export class SandboxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SandboxError";
    this.code = code;
  }
}
