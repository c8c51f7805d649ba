/**
 * Stores for library runs (runBatch in-process): a directory of named stores without a credentials
 * file, the credentials of a sandbox store, and which orders the sandbox was asked about.
 */
import type { StoreCredentials, StoreDirectory } from "../../src/credentials.js";
import { CredentialsError } from "../../src/errors.js";
import type { Sandbox } from "../../src/sandbox/index.js";

/** A directory of named stores, as a credentials file gives it, without the file. */
export function directoryOf(
  entries: Record<string, StoreCredentials>,
  defaultId: string | undefined,
): StoreDirectory {
  return {
    ids: new Set(Object.keys(entries)),
    defaultId,
    get(id) {
      const found = entries[id ?? defaultId ?? ""];
      if (!found) throw new CredentialsError("E_UNKNOWN_CREDENTIALS", `unknown "${id}"`);
      return found;
    },
  };
}

/** The credentials of `sandbox`, optionally under another spelling of its API URL. */
export function credentialsOf(
  sandbox: Sandbox,
  apiUrl: string = sandbox.env.BIGCOMMERCE_API_URL,
): StoreCredentials {
  return {
    storeHash: sandbox.env.BIGCOMMERCE_STORE_HASH,
    accessToken: sandbox.env.BIGCOMMERCE_ACCESS_TOKEN,
    apiUrl: new URL(apiUrl),
  };
}

/** Order ids of the requests the sandbox handled after `from` (an index into its request log). */
export function ordersTouched(sandbox: Sandbox, from: number): number[] {
  return sandbox
    .stats()
    .requestLog.slice(from)
    .flatMap((entry) => (entry.orderId === undefined ? [] : [entry.orderId]));
}
