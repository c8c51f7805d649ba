/**
 * Issue 14, `check` for every store: with a credentials file each entry is checked (or only the
 * one --credentials-id names), one block per store headed by its id and store hash, never its
 * token; exit 0 only when every store is ready. `check --json` gives the same as one object.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, startE2eSandbox, tempDir } from "../helpers/cli.js";

interface CheckJson {
  ready: boolean;
  exit_code: number;
  stores: {
    id: string | null;
    store_hash: string;
    api_url: string;
    ready: boolean;
    checks: { name: string; ok: boolean; detail: string }[];
  }[];
}

async function twoStores() {
  const good = await startE2eSandbox({ storeHash: "goodstore1" });
  const bad = await startE2eSandbox({ storeHash: "badstore22" });
  const dir = await tempDir("bc-check-stores-");
  const file = join(dir, "stores.json");
  const wrong = "wrong-token-8a41c2d9e7";
  await writeFile(
    file,
    JSON.stringify({
      "eu-store": {
        store_hash: "goodstore1",
        access_token: good.env.BIGCOMMERCE_ACCESS_TOKEN,
        api_url: good.url,
      },
      "us-store": { store_hash: "badstore22", access_token: wrong, api_url: bad.url },
    }),
  );
  await chmod(file, 0o600);
  return { good, bad, file, wrong };
}

describe("check with a credentials file", () => {
  it("checks every store: one ready, one rejected → exit 2, both in the JSON", async () => {
    const { good, bad, file } = await twoStores();
    const run = await runCli(["check", "--credentials", file, "--json"], { env: {} });
    expect(run.code).toBe(2);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.ready).toBe(false);
    expect(json.exit_code).toBe(2);
    const byId: Record<string, CheckJson["stores"][number]> = Object.fromEntries(
      json.stores.map((store) => [store.id, store]),
    );
    expect(Object.keys(byId).sort()).toEqual(["eu-store", "us-store"]);
    expect(byId["eu-store"]).toMatchObject({ store_hash: "goodstore1", ready: true });
    expect(byId["us-store"]).toMatchObject({ store_hash: "badstore22", ready: false });
    expect(byId["eu-store"]?.checks.every((step) => step.ok)).toBe(true);
    expect(byId["us-store"]?.checks.some((step) => !step.ok)).toBe(true);
    // Each store was asked with its own credentials; nothing was written anywhere.
    expect(good.stats().requests).toBeGreaterThan(0);
    expect(bad.stats().requests).toBeGreaterThan(0);
    expect(good.stats().writesApplied + bad.stats().writesApplied).toBe(0);
  });

  it("the text has one block per store, headed by its id and store hash", async () => {
    const { file } = await twoStores();
    // runCli fails the test if a token of the file shows (E_SECRET_LEAK).
    const run = await runCli(["check", "--credentials", file], { env: {} });
    expect(run.code).toBe(2);
    const blocks = run.stdout.split(/\n\n/);
    const eu = blocks.find((block) => block.includes("eu-store"));
    const us = blocks.find((block) => block.includes("us-store"));
    expect(eu).toContain("goodstore1");
    expect(us).toContain("badstore22");
    expect(eu).not.toContain("FAIL");
    expect(us).toContain("FAIL");
  });

  it("exit 0 when every store is ready (BIGCOMMERCE_CREDENTIALS_FILE)", async () => {
    const a = await startE2eSandbox({ storeHash: "storea" });
    const b = await startE2eSandbox({ storeHash: "storeb" });
    const dir = await tempDir("bc-check-stores-");
    const file = join(dir, "stores.json");
    await writeFile(
      file,
      JSON.stringify({
        a: { store_hash: "storea", access_token: a.env.BIGCOMMERCE_ACCESS_TOKEN, api_url: a.url },
        b: { store_hash: "storeb", access_token: b.env.BIGCOMMERCE_ACCESS_TOKEN, api_url: b.url },
      }),
    );
    await chmod(file, 0o600);
    const run = await runCli(["check", "--json"], { env: { BIGCOMMERCE_CREDENTIALS_FILE: file } });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.ready).toBe(true);
    expect(json.stores.map((store) => store.id).sort()).toEqual(["a", "b"]);
  });

  it("--credentials-id checks only that entry", async () => {
    const { good, bad, file } = await twoStores();
    const run = await runCli(
      ["check", "--credentials", file, "--credentials-id", "eu-store", "--json"],
      {
        env: {},
      },
    );
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.stores.map((store) => store.id)).toEqual(["eu-store"]);
    expect(good.stats().requests).toBeGreaterThan(0);
    expect(bad.stats().requests).toBe(0);
  });

  it("the environment's store alone: one store, id null", async () => {
    const store = await startE2eSandbox();
    const run = await runCli(["check", "--json"], { env: store.env });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as CheckJson;
    expect(json.stores).toHaveLength(1);
    expect(json.stores[0]).toMatchObject({ id: null, store_hash: "sandbox", ready: true });
  });

  it("a credentials file that cannot be used: the JSON error, exit 2", async () => {
    const dir = await tempDir("bc-check-stores-");
    const file = join(dir, "stores.json");
    await writeFile(file, "{ not json");
    await chmod(file, 0o600);
    const run = await runCli(["check", "--credentials", file, "--json"], { env: {} });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      error: { code: "E_CREDENTIALS_FILE" },
      exit_code: 2,
      command: "check",
    });
  });
});
