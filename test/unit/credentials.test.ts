import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCredentialsFile, loadStoreDirectory } from "../../src/credentials.js";

const TOKEN = "canary-token-5f2c1e";
let dir: string;

async function credentialsFile(name: string, content: unknown, mode = 0o600): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  await chmod(file, mode);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bc-credentials-"));
});

describe("loadCredentialsFile", () => {
  it("reads entries keyed by credentials id, api_url optional", async () => {
    const file = await credentialsFile("ok.json", {
      "eu-store": { store_hash: "abc123", access_token: TOKEN, api_url: "http://127.0.0.1:9" },
      us: { store_hash: "def456", access_token: TOKEN },
    });
    const stores = await loadCredentialsFile(file, "linux");
    expect(stores.get("eu-store")).toMatchObject({ storeHash: "abc123", accessToken: TOKEN });
    // Parsed once, here: every later user gets the URL, never the text again.
    expect(stores.get("eu-store")?.apiUrl.href).toBe("http://127.0.0.1:9/");
    expect(stores.get("us")?.apiUrl.href).toBe("https://api.bigcommerce.com/");
  });

  it("refuses a file others can read, saying how to fix it", async () => {
    const file = await credentialsFile(
      "open.json",
      { a: { store_hash: "abc", access_token: TOKEN } },
      0o644,
    );
    const error = await loadCredentialsFile(file, "linux").catch((e) => e);
    expect(error).toMatchObject({ code: "E_CREDENTIALS_PERMISSIONS" });
    expect(error.message).toContain(`chmod 600 ${file}`);
  });

  it.each([
    ["not JSON", `{"a": {"access_token": "${TOKEN}"`],
    ["an array", "[]"],
    ["a missing token", { a: { store_hash: "abc" } }],
    ["a bad store hash", { a: { store_hash: "a b/c", access_token: TOKEN } }],
    ["no entries", {}],
  ])("rejects %s without ever quoting the token", async (name, content) => {
    const file = await credentialsFile(`${name.replace(/\W/g, "")}.json`, content);
    const error = await loadCredentialsFile(file, "linux").catch((e) => e);
    expect(error.code).toMatch(/^E_(CREDENTIALS_FILE|STORE_HASH)$/);
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain(
      TOKEN,
    );
  });
});

describe("loadStoreDirectory", () => {
  const env = { BIGCOMMERCE_STORE_HASH: "envhash", BIGCOMMERCE_ACCESS_TOKEN: TOKEN };

  it("uses the environment's store by default, flags overriding hash and URL", async () => {
    const stores = await loadStoreDirectory({ env, apiUrl: "http://127.0.0.1:1" });
    expect(stores.get(undefined)).toMatchObject({ storeHash: "envhash", accessToken: TOKEN });
    expect(stores.get(undefined).apiUrl.href).toBe("http://127.0.0.1:1/");
    expect(stores.ids).toBeUndefined();
  });

  it("says which variables to set when there are no credentials", async () => {
    const error = await loadStoreDirectory({ env: {} }).catch((e) => e);
    expect(error.code).toBe("E_USAGE");
    expect(error.message).toContain("BIGCOMMERCE_ACCESS_TOKEN");
  });

  it("picks rows' stores from the file, with --credentials-id as the default", async () => {
    const file = await credentialsFile("multi.json", {
      eu: { store_hash: "eu1", access_token: TOKEN },
      us: { store_hash: "us1", access_token: TOKEN },
    });
    const stores = await loadStoreDirectory({
      env: {},
      credentialsFile: file,
      credentialsId: "eu",
      platform: "linux",
    });
    expect(stores.get(undefined).storeHash).toBe("eu1");
    expect(stores.get("us").storeHash).toBe("us1");
    expect([...(stores.ids ?? [])]).toEqual(["eu", "us"]);
    expect(() => stores.get("asia")).toThrow(
      expect.objectContaining({ code: "E_UNKNOWN_CREDENTIALS" }),
    );
  });

  it("rejects a --credentials-id the file does not have", async () => {
    const file = await credentialsFile("one.json", {
      eu: { store_hash: "eu1", access_token: TOKEN },
    });
    const error = await loadStoreDirectory({
      env,
      credentialsFile: file,
      credentialsId: "us",
      platform: "linux",
    }).catch((e) => e);
    expect(error).toMatchObject({ code: "E_USAGE" });
    expect(error.message).toContain("eu");
  });
});
