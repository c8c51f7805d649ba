import { describe, expect, it } from "vitest";
import { COUNTRIES, findCountry } from "../../src/check/countries.js";

describe("findCountry", () => {
  it.each([
    ["Spain", "ES", "Spain"],
    ["es", "ES", "Spain"],
    [" FR ", "FR", "France"],
    ["united states", "US", "United States"],
    ["USA", "US", "United States"],
    ["UK", "GB", "United Kingdom"],
    ["Côte d'Ivoire", "CI", "Cote d'Ivoire"],
    ["Czechia", "CZ", "Czech Republic"],
    ["Deutschland", "DE", "Germany"],
  ])("%s → %s", (text, iso2, name) => {
    expect(findCountry(text)).toMatchObject({ iso2, name });
  });

  it.each(["Narnia", "", "XX", "U"])("does not know %j", (text) => {
    expect(findCountry(text)).toBeUndefined();
  });

  it("has one entry per ISO code and no duplicate names", () => {
    const codes = COUNTRIES.map((country) => country.iso2);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((code) => /^[A-Z]{2}$/.test(code))).toBe(true);
    const names = COUNTRIES.map((country) => country.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });
});
