import { readFile, stat } from "node:fs/promises";
import { normalizeAccessToken } from "./api/secret.js";
import { checkApiUrl } from "./api/url.js";
import { CredentialsError, UsageError } from "./errors.js";

/**
 * One store's credentials. The token is a secret: it is never printed, logged or put in an error.
 * It is held trimmed and checked (api/secret.ts normalizeAccessToken).
 */
export interface StoreCredentials {
  readonly storeHash: string;
  readonly accessToken: string;
  /** Parsed and checked once, where the credentials are loaded (https only, except loopback). */
  readonly apiUrl: URL;
}

/** Where each row's store comes from (issue #7 "Multi-store"). */
export interface StoreDirectory {
  /** Ids of the credentials file's entries; undefined when no file is used. */
  readonly ids: ReadonlySet<string> | undefined;
  /** The id used for rows without credentials_id (undefined: the environment's store). */
  readonly defaultId: string | undefined;
  /** Credentials for a row's credentials_id (or the default); throws CredentialsError when unknown. */
  get(id: string | undefined): StoreCredentials;
}

export const DEFAULT_API_URL = "https://api.bigcommerce.com";

/** Environment variable names, policy as data. */
export const ENV = {
  storeHash: "BIGCOMMERCE_STORE_HASH",
  accessToken: "BIGCOMMERCE_ACCESS_TOKEN",
  apiUrl: "BIGCOMMERCE_API_URL",
  credentialsFile: "BIGCOMMERCE_CREDENTIALS_FILE",
} as const;

const STORE_HASH = /^[A-Za-z0-9_-]{1,64}$/;

function checkStoreHash(hash: string, where: string): string {
  if (!STORE_HASH.test(hash)) {
    throw new CredentialsError(
      "E_STORE_HASH",
      `${where}: store hash "${hash.slice(0, 70)}" is not valid (expected letters, digits, - or _)`,
    );
  }
  return hash;
}

/**
 * Refuse a credentials file that others can read, like ssh does with private keys. POSIX only:
 * Windows has no such mode bits.
 */
async function checkPrivate(file: string, platform: NodeJS.Platform): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (cause) {
    throw new CredentialsError("E_CREDENTIALS_FILE", `cannot read credentials file ${file}`, {
      cause,
    });
  }
  if (platform !== "win32" && (mode & 0o077) !== 0) {
    throw new CredentialsError(
      "E_CREDENTIALS_PERMISSIONS",
      `credentials file ${file} can be read by others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); run: chmod 600 ${file}`,
    );
  }
}

/** Read and check a credentials file: `{"eu-store": {"store_hash": "…", "access_token": "…", "api_url": "optional"}}`. */
export async function loadCredentialsFile(
  file: string,
  platform: NodeJS.Platform = process.platform,
): Promise<Map<string, StoreCredentials>> {
  await checkPrivate(file, platform);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    // The cause may quote the file's text (a token): keep only a generic message.
    throw new CredentialsError(
      "E_CREDENTIALS_FILE",
      `credentials file ${file} is not valid JSON (expected an object keyed by credentials id)`,
      { cause: cause instanceof SyntaxError ? undefined : cause },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CredentialsError(
      "E_CREDENTIALS_FILE",
      `credentials file ${file}: expected an object keyed by credentials id`,
    );
  }
  const stores = new Map<string, StoreCredentials>();
  for (const [id, entry] of Object.entries(parsed)) {
    const where = `credentials file ${file}, entry "${id}"`;
    if (entry === null || typeof entry !== "object") {
      throw new CredentialsError("E_CREDENTIALS_FILE", `${where}: expected an object`);
    }
    const {
      store_hash: hash,
      access_token: token,
      api_url: url,
    } = entry as Record<string, unknown>;
    if (typeof hash !== "string" || typeof token !== "string" || token === "") {
      throw new CredentialsError(
        "E_CREDENTIALS_FILE",
        `${where}: store_hash and access_token must be non-empty strings`,
      );
    }
    if (url !== undefined && typeof url !== "string") {
      throw new CredentialsError("E_CREDENTIALS_FILE", `${where}: api_url must be a string`);
    }
    stores.set(id, {
      storeHash: checkStoreHash(hash, where),
      // Trimmed (a final newline or space would be trimmed by axios, and then missed by redaction),
      // and refused when it cannot be a BigCommerce token (secret.ts).
      accessToken: normalizeAccessToken(token, `${where}, access_token`),
      apiUrl: checkApiUrl(url ?? DEFAULT_API_URL),
    });
  }
  if (stores.size === 0) {
    throw new CredentialsError("E_CREDENTIALS_FILE", `credentials file ${file} has no entries`);
  }
  return stores;
}

export interface DirectorySources {
  /** The environment (BIGCOMMERCE_*). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --store-hash / --api-url override the environment's store. */
  readonly storeHash?: string | undefined;
  readonly apiUrl?: string | undefined;
  /** --credentials or BIGCOMMERCE_CREDENTIALS_FILE. */
  readonly credentialsFile?: string | undefined;
  /** --credentials-id: default entry for rows without credentials_id. */
  readonly credentialsId?: string | undefined;
  readonly platform?: NodeJS.Platform;
}

/** Build the store directory from flags, environment and credentials file, checking everything up front. */
export async function loadStoreDirectory(sources: DirectorySources): Promise<StoreDirectory> {
  const file = sources.credentialsFile ?? sources.env[ENV.credentialsFile];
  const envToken = sources.env[ENV.accessToken];
  const envHash = sources.storeHash ?? sources.env[ENV.storeHash];
  const envUrl = sources.apiUrl ?? sources.env[ENV.apiUrl] ?? DEFAULT_API_URL;
  const envStore: StoreCredentials | undefined =
    envToken && envHash
      ? {
          storeHash: checkStoreHash(envHash, ENV.storeHash),
          // Same rule as a credentials file's access_token: trimmed, checked (secret.ts).
          accessToken: normalizeAccessToken(envToken, ENV.accessToken),
          apiUrl: checkApiUrl(envUrl),
        }
      : undefined;

  const entries = file ? await loadCredentialsFile(file, sources.platform) : undefined;
  const defaultId = sources.credentialsId;
  if (defaultId !== undefined && !entries?.has(defaultId)) {
    throw new UsageError(
      entries
        ? `--credentials-id "${defaultId}" is not an entry of the credentials file (entries: ${[...entries.keys()].join(", ")})`
        : "--credentials-id needs a credentials file (--credentials or BIGCOMMERCE_CREDENTIALS_FILE)",
    );
  }
  if (!envStore && defaultId === undefined && !entries) {
    throw new UsageError(
      `no store credentials: set ${ENV.storeHash} and ${ENV.accessToken} (and ${ENV.apiUrl} for a sandbox), or give a credentials file with --credentials`,
    );
  }
  return {
    ids: entries ? new Set(entries.keys()) : undefined,
    defaultId,
    get(id) {
      const key = id ?? defaultId;
      if (key === undefined) {
        if (envStore) return envStore;
        throw new CredentialsError(
          "E_NO_DEFAULT_STORE",
          `rows without credentials_id need ${ENV.storeHash} and ${ENV.accessToken}, or --credentials-id`,
        );
      }
      const found = entries?.get(key);
      if (!found)
        throw new CredentialsError("E_UNKNOWN_CREDENTIALS", `unknown credentials id "${key}"`);
      return found;
    },
  };
}
