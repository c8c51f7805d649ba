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
export { checkRow } from "./check/check-row.js";
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
export { COLUMNS, RESULT_COLUMNS } from "./input/columns.js";
export type { InputInfo, ReadOptions, SupportedEncoding } from "./input/read-rows.js";
export { ResultsLockedError } from "./output/lock.js";
export { defaultOutputPath, type OutputJob } from "./output/paths.js";
export {
  exitCodeOf,
  type RunSummary,
  type StopReason,
  type StopSignal,
  summaryToJson,
} from "./output/summarize.js";
export { OutputFileError } from "./output/write-results.js";
export { type RunOptions, runBatch } from "./run.js";
export type * from "./types.js";
