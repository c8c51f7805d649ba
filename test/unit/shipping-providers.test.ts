import { describe, expect, it } from "vitest";
import {
  normalizeShippingProvider,
  normalizeTrackingCarrier,
  SHIPPING_PROVIDERS,
} from "../../src/check/shipping-providers.js";

describe("SHIPPING_PROVIDERS", () => {
  it("is the orders.v2 shipping_provider enum (docs/bigcommerce-api.md §3)", () => {
    expect([...SHIPPING_PROVIDERS].sort()).toEqual(
      [
        "auspost",
        "canadapost",
        "endicia",
        "usps",
        "fedex",
        "ups",
        "upsready",
        "upsonline",
        "shipperhq",
        "royalmail",
        "",
      ].sort(),
    );
  });

  it.each(SHIPPING_PROVIDERS.map((provider) => [provider]))("keeps %j", (provider) => {
    expect(normalizeShippingProvider(provider)).toBe(provider);
  });
});

describe("normalizeShippingProvider", () => {
  it.each([
    ["UPS", "ups"],
    [" ups ", "ups"],
    ["United Parcel Service", "ups"],
    ["UPS Ready", "upsready"],
    ["ups_online", "upsonline"],
    ["FedEx", "fedex"],
    ["Fed Ex", "fedex"],
    ["Federal Express", "fedex"],
    ["Royal Mail", "royalmail"],
    ["royal-mail", "royalmail"],
    ["Canada Post", "canadapost"],
    ["Australia Post", "auspost"],
    ["AusPost", "auspost"],
    ["USPS", "usps"],
    ["U.S.P.S.", "usps"],
    ["United States Postal Service", "usps"],
    ["Endicia", "endicia"],
    ["ShipperHQ", "shipperhq"],
    ["carrier_42", "carrier_42"],
    ["Carrier_42", "carrier_42"],
    ["carrier_AbC-1", "carrier_AbC-1"],
    ["", ""],
    ["   ", ""],
  ])("%j → %j", (text, provider) => {
    expect(normalizeShippingProvider(text)).toBe(provider);
  });

  it.each([
    ["DHL"],
    ["Correos"],
    ["carrier_"],
    ["carrier 42"],
    ["carrier_4 2"],
    ["ups;drop table"],
    ["constructor"],
    ["__proto__"],
  ])("%j → undefined", (text) => {
    expect(normalizeShippingProvider(text)).toBeUndefined();
  });
});

describe("normalizeTrackingCarrier", () => {
  it.each([
    ["UPS", "ups"],
    ["FedEx", "fedex"],
    ["Federal Express", "fedex"],
    ["USPS", "usps"],
    ["DHL", "dhl"],
    ["DHL Express", "dhl"],
    ["Royal Mail", "royal-mail"],
    ["royal-mail", "royal-mail"],
    ["Deutsche Post", "deutsch-post"],
    ["La Poste", "la-poste-colissimo"],
    ["Canada Post", "canada-post"],
    ["Australia Post", "australia-post"],
    // Not an alias: lower-cased, spaces become "-".
    ["Poste Italiane", "poste-italiane"],
    ["  DHL   Germany ", "dhl-germany"],
    ["dhl-global-mail", "dhl-global-mail"],
    ["2go", "2go"],
    ["", ""],
    [" ", ""],
  ])("%j → %j", (text, slug) => {
    expect(normalizeTrackingCarrier(text)).toBe(slug);
  });

  it.each([
    ["dhl_express_x"],
    ["-dpd"],
    ["UPS!"],
    ["Österreichische Post"],
    ["ups/fedex"],
    ["constructor!"],
  ])("%j → undefined", (text) => {
    expect(normalizeTrackingCarrier(text)).toBeUndefined();
  });

  it("does not read object prototype keys as aliases", () => {
    expect(normalizeTrackingCarrier("constructor")).toBe("constructor");
    expect(normalizeTrackingCarrier("__proto__")).toBeUndefined();
  });
});
