/**
 * Library entry: `import { runBatch } from "bc-order-batch"`. The CLI is a thin shell over it.
 */
export type { ApiEvent, StoreConfig } from "./api/bigcommerce.js";
export {
  ApiError,
  CredentialsRejectedError,
  HttpStatusError,
  NetworkError,
  OutageError,
  RequestAbortedError,
  TimeoutError,
} from "./api/errors.js";
export type { ApiStats, StoreApi } from "./api/store-api.js";
export { COLUMNS, RESULT_COLUMNS } from "./columns.js";
export {
  loadCredentialsFile,
  loadStoreDirectory,
  type StoreCredentials,
  type StoreDirectory,
} from "./credentials.js";
export {
  BatchError,
  CredentialsError,
  InputFileError,
  InternalError,
  UsageError,
} from "./errors.js";
export { ResultsLockedError } from "./output/lock.js";
export { defaultOutputPath, type OutputJob } from "./output/paths.js";
export type { InputInfo, ReadOptions, SupportedEncoding } from "./read-rows.js";
export { type RunOptions, runBatch } from "./run.js";
export {
  exitCodeOf,
  type RunSummary,
  type StopReason,
  type StopSignal,
  summaryToJson,
} from "./summarize.js";
export type * from "./types.js";
export { checkRow } from "./validate-row.js";
export { OutputFileError } from "./write-results.js";
