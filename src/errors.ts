import type { ErrorCode } from "./codes.js";

/**
 * Run-level errors: the only failures that throw. A bad row is a RowOutcome, never one of these.
 * Each has a stable `code` for tests and scripts, context as fields, and the original as `cause`.
 */
export class BatchError extends Error {
  /** One of src/codes.ts: the results' error_code and the `[E_…]` of a fatal message. */
  readonly code: ErrorCode;
  /** Process exit code the CLI maps this error to. */
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** Bad flags or missing configuration; the message names the flag or variable. */
export class UsageError extends BatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_USAGE", message, options);
  }
}

/** The input file cannot be used: unreadable, undecodable, malformed, or a header we refuse. */
export class InputFileError extends BatchError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    context: { file: string; line?: number; column?: string; cause?: unknown },
  ) {
    const where = context.line === undefined ? context.file : `${context.file}:${context.line}`;
    super(code, `${where}: ${message}`, { cause: context.cause });
    this.file = context.file;
    this.line = context.line;
    this.column = context.column;
  }
}

/** A credentials file or entry that cannot be used. */
export class CredentialsError extends BatchError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A bug: something that should not happen whatever the input. */
export class InternalError extends BatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_INTERNAL", message, options);
  }
}
