// Issue "Hostile or broken answers", item 8: a token with surrounding whitespace is trimmed where
// it is loaded (environment, credentials file, library), so redaction looks for the value axios
// actually sends; a token with inner whitespace or control characters, or too short to be a
// BigCommerce token, is refused (E_ACCESS_TOKEN) without being quoted.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createStoreApi } from "../../src/api/bigcommerce.js";
import { MIN_TOKEN_LENGTH, normalizeAccessToken } from "../../src/api/secret.js";
import { loadCredentialsFile, loadStoreDirectory } from "../../src/credentials.js";
import { CredentialsError } from "../../src/errors.js";

const TOKEN = "canary-token-5f2c1e9a";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bc-access-token-"));
});

async function credentialsFile(token: string): Promise<string> {
  const file = join(dir, `stores-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ main: { store_hash: "abc123", access_token: token } }));
  await chmod(file, 0o600);
  return file;
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

async function caughtAsync(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

const SURROUNDED = [
  ["a final newline", `${TOKEN}\n`],
  ["a final CRLF", `${TOKEN}\r\n`],
  ["a final space", `${TOKEN} `],
  ["a final tab", `${TOKEN}\t`],
  ["leading and trailing whitespace", ` \t${TOKEN}\n\n`],
] as const;

const REFUSED = [
  ["an inner space", "canary-token 5f2c1e9a"],
  ["an inner tab", "canary-token\t5f2c1e9a"],
  ["an inner newline", "canary-token\n5f2c1e9a"],
  ["a NUL", "canary-token\u00005f2c1e9a"],
  ["a DEL", "canary-token\u007f5f2c1e9a"],
  ["a non-ASCII letter", "canary-tökén-5f2c1e9a"],
  ["a 1-character token", "T"],
  ["a 7-character token", "abcdefg"],
  ["only whitespace", " \n\t"],
] as const;

describe("normalizeAccessToken", () => {
  it.each(SURROUNDED)("trims %s", (_, raw) => {
    expect(normalizeAccessToken(raw, "X")).toBe(TOKEN);
  });

  it("accepts a token of exactly MIN_TOKEN_LENGTH characters", () => {
    expect(MIN_TOKEN_LENGTH).toBe(8);
    expect(normalizeAccessToken("abcdefgh", "X")).toBe("abcdefgh");
  });

  it.each(REFUSED)("refuses %s, without quoting it", (_, raw) => {
    const error = caught(() => normalizeAccessToken(raw, "BIGCOMMERCE_ACCESS_TOKEN"));
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ code: "E_ACCESS_TOKEN", exitCode: 2 });
    const message = (error as Error).message;
    if (raw.trim().length >= 4) expect(message.includes(raw.trim())).toBe(false);
    expect(message).toContain("BIGCOMMERCE_ACCESS_TOKEN");
  });
});

describe("the environment's token", () => {
  const env = (token: string) => ({
    BIGCOMMERCE_STORE_HASH: "envhash",
    BIGCOMMERCE_ACCESS_TOKEN: token,
  });

  it.each(SURROUNDED)("with %s is trimmed", async (_, raw) => {
    const stores = await loadStoreDirectory({ env: env(raw) });
    expect(stores.get(undefined).accessToken).toBe(TOKEN);
  });

  it.each(REFUSED)("with %s is refused (E_ACCESS_TOKEN)", async (_, raw) => {
    const error = await caughtAsync(() => loadStoreDirectory({ env: env(raw) }));
    expect(error).toMatchObject({ code: "E_ACCESS_TOKEN", exitCode: 2 });
  });
});

describe("a credentials file's access_token", () => {
  it.each(SURROUNDED)("with %s is trimmed", async (_, raw) => {
    const stores = await loadCredentialsFile(await credentialsFile(raw));
    expect(stores.get("main")?.accessToken).toBe(TOKEN);
  });

  it.each(REFUSED)("with %s is refused (E_ACCESS_TOKEN), naming the entry", async (_, raw) => {
    const file = await credentialsFile(raw);
    const error = await caughtAsync(() => loadCredentialsFile(file));
    expect(error).toMatchObject({ code: "E_ACCESS_TOKEN", exitCode: 2 });
    expect((error as Error).message).toContain(file);
  });
});

describe("createStoreApi (library use)", () => {
  const config = (accessToken: string) => ({
    storeHash: "abc123",
    accessToken,
    apiUrl: new URL("http://127.0.0.1:9"),
  });

  it("accepts a token with surrounding whitespace", () => {
    expect(() => createStoreApi(config(`${TOKEN}\n`), { userAgent: "t" })).not.toThrow();
  });

  it.each(REFUSED)("refuses %s (E_ACCESS_TOKEN)", (_, raw) => {
    const error = caught(() => createStoreApi(config(raw), { userAgent: "t" }));
    expect(error).toMatchObject({ code: "E_ACCESS_TOKEN" });
  });
});
