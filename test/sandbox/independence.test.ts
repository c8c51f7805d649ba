/**
 * The sandbox is a second implementation of BigCommerce, so it must share no code with the tool:
 * a table or type both used would make a mistake in it invisible to the end-to-end tests.
 * This file is the one place that looks at both, to check they still agree.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, expectTypeOf, it } from "vitest";
import { COUNTRIES } from "../../src/check/countries.js";
import { BILLING_FIELDS } from "../../src/input/columns.js";
import { countryByCode, countryByName, STORE_COUNTRIES } from "../../src/sandbox/countries.js";
import { SandboxError } from "../../src/sandbox/index.js";
import { BILLING_FIELDS as SANDBOX_BILLING_FIELDS } from "../../src/sandbox/policy.js";
import type {
  BillingAddress as SandboxBillingAddress,
  SandboxOrder,
  SandboxOrderProduct,
  SandboxOrderStatus,
  SandboxShipment,
  SandboxShippingAddress,
} from "../../src/sandbox/types.js";
import type {
  BillingAddress,
  Order,
  OrderProduct,
  OrderStatus,
  Shipment,
  ShippingAddress,
} from "../../src/types.js";

const SANDBOX_DIR = fileURLToPath(new URL("../../src/sandbox/", import.meta.url));

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Module specifiers of static imports and re-exports, side-effect imports and import() calls. */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) =>
    [...source.matchAll(pattern)].map((match) => match[1] ?? ""),
  );
}

describe("the sandbox stands alone", () => {
  it("finds the imports it looks for", () => {
    const sample = [
      'import { a } from "./a.js";',
      'import type {\n  B,\n  C,\n} from "../types.js";',
      'export { d } from "../d.js";',
      'export * from "./e.js";',
      'import "./side-effect.js";',
      'const f = await import("../f.js");',
      'const seed = new URL("../../samples/store.json", import.meta.url);',
    ].join("\n");
    expect(importSpecifiers(sample)).toEqual([
      "./a.js",
      "../types.js",
      "../d.js",
      "./e.js",
      "./side-effect.js",
      "../f.js",
    ]);
  });

  it("imports only its own files (./…) and Node built-ins (node:…)", async () => {
    const files = await filesUnder(SANDBOX_DIR);
    expect(files.length).toBeGreaterThan(5);
    const leaving: string[] = [];
    for (const file of files) {
      const specifiers = importSpecifiers(await readFile(file, "utf8"));
      for (const specifier of specifiers) {
        if (!specifier.startsWith("./") && !specifier.startsWith("node:")) {
          leaving.push(`${relative(SANDBOX_DIR, file)}: ${specifier}`);
        }
      }
    }
    expect(leaving).toEqual([]);
  });

  it("has its own error class, not one of the tool's", () => {
    const error = new SandboxError("E_SANDBOX_OPTIONS", "bad");
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: "SandboxError", code: "E_SANDBOX_OPTIONS" });
    expect(Object.getPrototypeOf(SandboxError)).toBe(Error);
  });
});

describe("the sandbox and the tool still agree", () => {
  it("on the billing address fields", () => {
    expect([...SANDBOX_BILLING_FIELDS].sort()).toEqual([...BILLING_FIELDS].sort());
  });

  it("on the country codes, and the store accepts every name the tool sends", () => {
    expect(STORE_COUNTRIES.map((country) => country.iso2).sort()).toEqual(
      COUNTRIES.map((country) => country.iso2).sort(),
    );
    const refused = COUNTRIES.filter(
      (country) =>
        countryByCode(country.iso2)?.iso2 !== country.iso2 ||
        countryByName(country.name)?.iso2 !== country.iso2,
    ).map((country) => `${country.iso2} ${country.name}`);
    expect(refused).toEqual([]);
  });

  it("on the countries the samples and the end-to-end tests use", () => {
    for (const name of ["United States", "Spain", "France", "Germany", "United Kingdom"]) {
      expect(countryByName(name)?.name).toBe(name);
    }
    expect(countryByCode("fr")).toEqual({ iso2: "FR", name: "France" });
    expect(countryByName("USA")?.iso2).toBe("US");
    expect(countryByName("Atlantis")).toBeUndefined();
    expect(countryByCode("XX")).toBeUndefined();
    expect(countryByCode("USA")).toBeUndefined();
  });

  it("on the resource shapes: what the sandbox serves is what the tool reads (tsc checks it)", () => {
    expectTypeOf<SandboxBillingAddress>().toEqualTypeOf<BillingAddress>();
    expectTypeOf<SandboxOrder>().toExtend<Order>();
    expectTypeOf<SandboxOrderProduct>().toExtend<OrderProduct>();
    expectTypeOf<SandboxShippingAddress>().toExtend<ShippingAddress>();
    expectTypeOf<SandboxShipment>().toExtend<Shipment>();
    expectTypeOf<SandboxOrderStatus>().toExtend<OrderStatus>();
  });
});
