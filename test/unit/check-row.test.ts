import { describe, expect, it } from "vitest";
import type { CheckContext } from "../../src/check/check-row.js";
import { checkRow } from "../../src/check/check-row.js";
import { buildStatusTable, DEFAULT_ORDER_STATUSES } from "../../src/check/statuses.js";
import type { CheckResult, ColumnName, RowProblem, SourceRow } from "../../src/types.js";

type Values = Partial<Record<ColumnName, string>>;

/** A SourceRow as the reader builds it (index 1, line 2: the first data row). */
function sourceRow(values: Values, extra: Partial<SourceRow> = {}): SourceRow {
  return { index: 1, line: 2, cells: Object.values(values), values, ...extra };
}

const defaults: CheckContext = { statuses: buildStatusTable(DEFAULT_ORDER_STATUSES) };

function check(values: Values, context: CheckContext = defaults): CheckResult {
  return checkRow(sourceRow(values), context);
}

function problemsOf(result: CheckResult): readonly RowProblem[] {
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.row)}`);
  return result.problems;
}

const codesAndColumns = (result: CheckResult) =>
  problemsOf(result).map((problem) => ({ code: problem.code, column: problem.column }));

describe("valid rows (the seed examples and more)", () => {
  it.each<[string, Values, unknown]>([
    [
      "status",
      { order_id: "12345", status_id: "2" },
      { index: 1, line: 2, orderId: 12345, changes: { statusId: 2 } },
    ],
    [
      "staff notes",
      { order_id: "12345", staff_notes: "VIP customer - High priority" },
      {
        index: 1,
        line: 2,
        orderId: 12345,
        changes: { staffNotes: "VIP customer - High priority" },
      },
    ],
    [
      "status and shipment",
      {
        order_id: "12345",
        status_id: "2",
        tracking_number: "1Z999AA10123456784",
        shipping_provider: "ups",
        tracking_carrier: "UPS",
      },
      {
        index: 1,
        line: 2,
        orderId: 12345,
        changes: {
          statusId: 2,
          shipment: {
            trackingNumber: "1Z999AA10123456784",
            shippingProvider: "ups",
            trackingCarrier: "ups",
          },
        },
      },
    ],
    [
      "billing address",
      {
        order_id: "12345",
        billing_first_name: "Juan",
        billing_last_name: "Perez",
        billing_street: "Calle Nueva 456",
        billing_city: "Madrid",
        billing_zip: "28002",
        billing_country: "Spain",
      },
      {
        index: 1,
        line: 2,
        orderId: 12345,
        changes: {
          billing: {
            first_name: "Juan",
            last_name: "Perez",
            street_1: "Calle Nueva 456",
            city: "Madrid",
            zip: "28002",
            country: "Spain",
            country_iso2: "ES",
          },
          billingColumns: [
            "billing_first_name",
            "billing_last_name",
            "billing_street",
            "billing_city",
            "billing_zip",
            "billing_country",
          ],
        },
      },
    ],
    [
      "every billing column, country as a code",
      {
        order_id: "7",
        billing_first_name: "Jane",
        billing_last_name: "Doe",
        billing_company: "ACME",
        billing_street: "123 Main Street",
        billing_street2: "Suite 4",
        billing_city: "Austin",
        billing_state: "Texas",
        billing_zip: "78751",
        billing_country: "us",
        billing_email: "janedoe@example.com",
        billing_phone: "555-123-4567",
      },
      {
        index: 1,
        line: 2,
        orderId: 7,
        changes: {
          billing: {
            first_name: "Jane",
            last_name: "Doe",
            company: "ACME",
            street_1: "123 Main Street",
            street_2: "Suite 4",
            city: "Austin",
            state: "Texas",
            zip: "78751",
            country: "United States",
            country_iso2: "US",
            email: "janedoe@example.com",
            phone: "555-123-4567",
          },
          billingColumns: [
            "billing_first_name",
            "billing_last_name",
            "billing_company",
            "billing_street",
            "billing_street2",
            "billing_city",
            "billing_state",
            "billing_zip",
            "billing_country",
            "billing_email",
            "billing_phone",
          ],
        },
      },
    ],
    [
      "shipment with no provider or carrier, to one address",
      { order_id: "5", tracking_number: "00123", order_address_id: "128" },
      {
        index: 1,
        line: 2,
        orderId: 5,
        changes: {
          shipment: {
            trackingNumber: "00123",
            shippingProvider: "",
            trackingCarrier: "",
            orderAddressId: 128,
          },
        },
      },
    ],
    [
      "customer message with line breaks, and other columns empty",
      {
        order_id: "5",
        status_id: "",
        customer_message: "Leave at back door\r\n\tThanks",
        billing_city: "  ",
        tracking_number: "",
      },
      {
        index: 1,
        line: 2,
        orderId: 5,
        changes: { customerMessage: "Leave at back door\r\n\tThanks" },
      },
    ],
  ])("%s", (_name, values, row) => {
    const result = check(values);
    expect(result).toEqual({ ok: true, source: sourceRow(values), row });
  });

  it("keeps the credentials id when the credentials file has it", () => {
    const result = check(
      { order_id: "1", status_id: "2", credentials_id: " eu-store " },
      { ...defaults, credentialsIds: new Set(["us-store", "eu-store"]) },
    );
    expect(result.ok && result.row).toEqual({
      index: 1,
      line: 2,
      orderId: 1,
      credentialsId: "eu-store",
      changes: { statusId: 2 },
    });
  });

  it("returns the source row it was given", () => {
    const source = sourceRow({ order_id: "1", status_id: "2" });
    expect(checkRow(source, defaults).source).toBe(source);
  });
});

describe("whitespace and leading zeros", () => {
  it("trims ids, statuses, billing values and tracking values", () => {
    const result = check({
      order_id: "  012345 ",
      status_id: " awaiting_shipment ",
      billing_city: "\u00a0Madrid\t",
      billing_country: " es ",
      tracking_number: " 0001234 ",
      shipping_provider: " Royal Mail ",
      tracking_carrier: " Royal Mail ",
      order_address_id: " 007 ",
    });
    expect(result.ok && result.row).toEqual({
      index: 1,
      line: 2,
      orderId: 12345,
      changes: {
        statusId: 9,
        billing: { city: "Madrid", country: "Spain", country_iso2: "ES" },
        billingColumns: ["billing_city", "billing_country"],
        shipment: {
          trackingNumber: "0001234",
          shippingProvider: "royalmail",
          trackingCarrier: "royal-mail",
          orderAddressId: 7,
        },
      },
    });
  });

  it("keeps free text exactly as written, surrounding spaces included", () => {
    const result = check({ order_id: "1", staff_notes: "  VIP  ", customer_message: " hi\n" });
    expect(result.ok && result.row.changes).toEqual({
      staffNotes: "  VIP  ",
      customerMessage: " hi\n",
    });
  });

  it("treats blank free text as unchanged", () => {
    expect(codesAndColumns(check({ order_id: "1", staff_notes: " \n " }))).toEqual([
      { code: "E_NOTHING_TO_DO", column: undefined },
    ]);
  });

  it.each([
    ["2147483647", 2147483647],
    ["0000000000002147483647", 2147483647],
    ["1", 1],
  ])("order_id %j → %i", (text, orderId) => {
    const result = check({ order_id: text, status_id: "2" });
    expect(result.ok && result.row.orderId).toBe(orderId);
  });
});

describe("statuses", () => {
  const store = buildStatusTable(
    DEFAULT_ORDER_STATUSES.map((status) =>
      status.id === 9
        ? { ...status, custom_label: "Ready for Courier" }
        : status.id === 0
          ? { ...status, custom_label: "Shipped" }
          : status,
    ),
  );

  it("accepts the store's custom label", () => {
    const result = check({ order_id: "1", status_id: "ready for courier" }, { statuses: store });
    expect(result.ok && result.row.changes.statusId).toBe(9);
  });

  it("refuses an ambiguous name and names the candidates' ids", () => {
    const [problem] = problemsOf(
      check({ order_id: "1", status_id: "Shipped" }, { statuses: store }),
    );
    expect(problem).toMatchObject({
      code: "E_AMBIGUOUS_STATUS",
      column: "status_id",
      value: "Shipped",
    });
    expect(problem?.message).toMatch(/\b0\b.*\b2\b/);
  });

  it("still accepts the id of an ambiguously named status", () => {
    const result = check({ order_id: "1", status_id: "2" }, { statuses: store });
    expect(result.ok && result.row.changes.statusId).toBe(2);
  });

  it("refuses an unknown name and lists valid values", () => {
    const [problem] = problemsOf(check({ order_id: "1", status_id: "Out of Stock" }));
    expect(problem).toMatchObject({
      code: "E_UNKNOWN_STATUS",
      column: "status_id",
      value: "Out of Stock",
    });
    expect(problem?.message).toContain('"Out of Stock"');
    expect(problem?.message).toContain('"Shipped"');
    expect(problem?.message).toContain("0–14");
  });

  it("says offline that custom labels are only checked in a real run", () => {
    const offline = { ...defaults, offline: true };
    const [named] = problemsOf(check({ order_id: "1", status_id: "Ready for Courier" }, offline));
    expect(named).toMatchObject({ code: "E_UNKNOWN_STATUS", column: "status_id" });
    expect(named?.message).toMatch(/real run/);
    const [online] = problemsOf(check({ order_id: "1", status_id: "Ready for Courier" }));
    expect(online?.message).not.toMatch(/real run/);
    // An unknown id is wrong whatever the store calls its statuses.
    const [numeric] = problemsOf(check({ order_id: "1", status_id: "15" }, offline));
    expect(numeric).toMatchObject({ code: "E_UNKNOWN_STATUS", column: "status_id", value: "15" });
    expect(numeric?.message).not.toMatch(/real run/);
  });

  it("accepts standard names offline", () => {
    const result = check({ order_id: "1", status_id: "Completed" }, { ...defaults, offline: true });
    expect(result.ok && result.row.changes.statusId).toBe(10);
  });
});

describe("each rule broken", () => {
  const long = (length: number) => "x".repeat(length);

  it.each<[string, Values, { code: string; column?: ColumnName }[]]>([
    ["order_id missing", { status_id: "2" }, [{ code: "E_REQUIRED", column: "order_id" }]],
    [
      "order_id blank",
      { order_id: "  ", status_id: "2" },
      [{ code: "E_REQUIRED", column: "order_id" }],
    ],
    [
      "order_id 12.0",
      { order_id: "12.0", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id 1e3",
      { order_id: "1e3", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id +5",
      { order_id: "+5", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id 12,345",
      { order_id: "12,345", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id ##12",
      { order_id: "##12", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id 1 2",
      { order_id: "1 2", status_id: "2" },
      [{ code: "E_NOT_INTEGER", column: "order_id" }],
    ],
    [
      "order_id -5",
      { order_id: "-5", status_id: "2" },
      [{ code: "E_OUT_OF_RANGE", column: "order_id" }],
    ],
    [
      "order_id 0",
      { order_id: "0", status_id: "2" },
      [{ code: "E_OUT_OF_RANGE", column: "order_id" }],
    ],
    [
      "order_id 000",
      { order_id: "000", status_id: "2" },
      [{ code: "E_OUT_OF_RANGE", column: "order_id" }],
    ],
    [
      "order_id 2^31",
      { order_id: "2147483648", status_id: "2" },
      [{ code: "E_OUT_OF_RANGE", column: "order_id" }],
    ],
    [
      "order_id of 25 digits",
      { order_id: "1234567890123456789012345", status_id: "2" },
      [{ code: "E_OUT_OF_RANGE", column: "order_id" }],
    ],
    [
      "unknown status",
      { order_id: "1", status_id: "On Hold" },
      [{ code: "E_UNKNOWN_STATUS", column: "status_id" }],
    ],
    [
      "unknown status id",
      { order_id: "1", status_id: "15" },
      [{ code: "E_UNKNOWN_STATUS", column: "status_id" }],
    ],
    [
      "staff_notes too long",
      { order_id: "1", staff_notes: long(65536) },
      [{ code: "E_TOO_LONG", column: "staff_notes" }],
    ],
    [
      "customer_message too long",
      { order_id: "1", customer_message: long(65536) },
      [{ code: "E_TOO_LONG", column: "customer_message" }],
    ],
    [
      "billing_city too long",
      { order_id: "1", billing_city: long(256) },
      [{ code: "E_TOO_LONG", column: "billing_city" }],
    ],
    [
      "billing_email without @",
      { order_id: "1", billing_email: "jane.example.com" },
      [{ code: "E_EMAIL", column: "billing_email" }],
    ],
    [
      "billing_email with two @",
      { order_id: "1", billing_email: "a@b@example.com" },
      [{ code: "E_EMAIL", column: "billing_email" }],
    ],
    [
      "billing_email with a space",
      { order_id: "1", billing_email: "jane doe@example.com" },
      [{ code: "E_EMAIL", column: "billing_email" }],
    ],
    [
      "billing_email without a dot",
      { order_id: "1", billing_email: "jane@localhost" },
      [{ code: "E_EMAIL", column: "billing_email" }],
    ],
    [
      "billing_email ending in a dot",
      { order_id: "1", billing_email: "jane@example." },
      [{ code: "E_EMAIL", column: "billing_email" }],
    ],
    [
      "billing_country unknown",
      { order_id: "1", billing_country: "Atlantis" },
      [{ code: "E_COUNTRY", column: "billing_country" }],
    ],
    [
      "billing_country bad code",
      { order_id: "1", billing_country: "XX" },
      [{ code: "E_COUNTRY", column: "billing_country" }],
    ],
    [
      "tracking_number in scientific notation",
      { order_id: "1", tracking_number: "9.40011E+21" },
      [{ code: "E_TRACKING_SCIENTIFIC", column: "tracking_number" }],
    ],
    [
      "tracking_number in lower-case scientific notation",
      { order_id: "1", tracking_number: "1.23e+15" },
      [{ code: "E_TRACKING_SCIENTIFIC", column: "tracking_number" }],
    ],
    [
      "tracking_number in scientific notation with a decimal comma",
      { order_id: "1", tracking_number: "9,40011E+21" },
      [{ code: "E_TRACKING_SCIENTIFIC", column: "tracking_number" }],
    ],
    [
      "tracking_number with a #",
      { order_id: "1", tracking_number: "1Z#999" },
      [{ code: "E_TRACKING_CHARS", column: "tracking_number" }],
    ],
    [
      "tracking_number with an accent",
      { order_id: "1", tracking_number: "Nº123" },
      [{ code: "E_TRACKING_CHARS", column: "tracking_number" }],
    ],
    [
      "tracking_number too long",
      { order_id: "1", tracking_number: long(51) },
      [{ code: "E_TOO_LONG", column: "tracking_number" }],
    ],
    [
      "unknown shipping_provider",
      { order_id: "1", tracking_number: "1Z1", shipping_provider: "Correos" },
      [{ code: "E_PROVIDER", column: "shipping_provider" }],
    ],
    [
      "bad tracking_carrier",
      { order_id: "1", tracking_number: "1Z1", tracking_carrier: "UPS!" },
      [{ code: "E_CARRIER", column: "tracking_carrier" }],
    ],
    [
      "tracking_carrier too long",
      { order_id: "1", tracking_number: "1Z1", tracking_carrier: long(101) },
      [{ code: "E_TOO_LONG", column: "tracking_carrier" }],
    ],
    [
      "shipping_provider without tracking_number",
      { order_id: "1", status_id: "2", shipping_provider: "ups" },
      [{ code: "E_NEEDS_TRACKING", column: "shipping_provider" }],
    ],
    [
      "tracking_carrier without tracking_number",
      { order_id: "1", status_id: "2", tracking_carrier: "ups" },
      [{ code: "E_NEEDS_TRACKING", column: "tracking_carrier" }],
    ],
    [
      "order_address_id without tracking_number",
      { order_id: "1", status_id: "2", order_address_id: "128" },
      [{ code: "E_NEEDS_TRACKING", column: "order_address_id" }],
    ],
    [
      "order_address_id not an integer",
      { order_id: "1", tracking_number: "1Z1", order_address_id: "12a" },
      [{ code: "E_NOT_INTEGER", column: "order_address_id" }],
    ],
    [
      "order_address_id zero",
      { order_id: "1", tracking_number: "1Z1", order_address_id: "0" },
      [{ code: "E_OUT_OF_RANGE", column: "order_address_id" }],
    ],
    [
      "credentials_id without a credentials file",
      { order_id: "1", status_id: "2", credentials_id: "eu-store" },
      [{ code: "E_UNKNOWN_CREDENTIALS", column: "credentials_id" }],
    ],
    [
      "U+FFFD in staff_notes",
      { order_id: "1", staff_notes: "Caf\ufffd au lait" },
      [{ code: "E_REPLACEMENT_CHAR", column: "staff_notes" }],
    ],
    [
      "U+FFFD in billing_city",
      { order_id: "1", billing_city: "M\ufffdnchen" },
      [{ code: "E_REPLACEMENT_CHAR", column: "billing_city" }],
    ],
    [
      "U+FFFD in status_id",
      { order_id: "1", status_id: "Shipp\ufffdd" },
      [{ code: "E_REPLACEMENT_CHAR", column: "status_id" }],
    ],
    [
      "U+FFFD in order_id",
      { order_id: "12\ufffd", status_id: "2" },
      [{ code: "E_REPLACEMENT_CHAR", column: "order_id" }],
    ],
    [
      "tab inside billing_city",
      { order_id: "1", billing_city: "Mad\trid" },
      [{ code: "E_CONTROL_CHAR", column: "billing_city" }],
    ],
    [
      "line break inside tracking_number",
      { order_id: "1", tracking_number: "1Z\n999" },
      [{ code: "E_CONTROL_CHAR", column: "tracking_number" }],
    ],
    [
      "NUL in staff_notes",
      { order_id: "1", staff_notes: "VIP\u0000" },
      [{ code: "E_CONTROL_CHAR", column: "staff_notes" }],
    ],
    [
      "C1 control in customer_message (a mis-decoded Windows-1252 quote)",
      { order_id: "1", customer_message: "\u0093Hi\u0094" },
      [{ code: "E_CONTROL_CHAR", column: "customer_message" }],
    ],
    [
      "DEL in billing_email",
      { order_id: "1", billing_email: "a@example.com\u007f" },
      [{ code: "E_CONTROL_CHAR", column: "billing_email" }],
    ],
    ["only order_id", { order_id: "1" }, [{ code: "E_NOTHING_TO_DO" }]],
    [
      "only order_id and empty cells",
      { order_id: "1", status_id: " ", staff_notes: "" },
      [{ code: "E_NOTHING_TO_DO" }],
    ],
  ])("%s", (_name, values, expected) => {
    const result = check(values);
    expect(result.ok).toBe(false);
    expect(codesAndColumns(result)).toEqual(
      expected.map((problem) => ({ column: undefined, ...problem })),
    );
  });

  it("says no credentials id is known when the file lacks it", () => {
    const result = check(
      { order_id: "1", status_id: "2", credentials_id: "eu" },
      { ...defaults, credentialsIds: new Set(["us"]) },
    );
    expect(problemsOf(result)).toEqual([
      expect.objectContaining({
        code: "E_UNKNOWN_CREDENTIALS",
        column: "credentials_id",
        value: "eu",
      }),
    ]);
  });

  it("is E_NOTHING_TO_DO with only order_id and credentials_id", () => {
    const result = check(
      { order_id: "1", credentials_id: "us" },
      { ...defaults, credentialsIds: new Set(["us"]) },
    );
    expect(codesAndColumns(result)).toEqual([{ code: "E_NOTHING_TO_DO", column: undefined }]);
  });
});

describe("problem reports", () => {
  it("reports every problem of a row, in column order", () => {
    const result = check({
      order_id: "abc",
      status_id: "Out of Stock",
      billing_email: "nope",
      billing_country: "Atlantis",
      tracking_number: "9.40011E+21",
      shipping_provider: "Correos",
      tracking_carrier: "UPS!",
      credentials_id: "eu",
    });
    expect(codesAndColumns(result)).toEqual([
      { code: "E_NOT_INTEGER", column: "order_id" },
      { code: "E_UNKNOWN_STATUS", column: "status_id" },
      { code: "E_COUNTRY", column: "billing_country" },
      { code: "E_EMAIL", column: "billing_email" },
      { code: "E_TRACKING_SCIENTIFIC", column: "tracking_number" },
      { code: "E_PROVIDER", column: "shipping_provider" },
      { code: "E_CARRIER", column: "tracking_carrier" },
      { code: "E_UNKNOWN_CREDENTIALS", column: "credentials_id" },
    ]);
  });

  it("reports both the bad value and the missing tracking number", () => {
    expect(
      codesAndColumns(check({ order_id: "1", status_id: "2", shipping_provider: "Correos" })),
    ).toEqual([
      { code: "E_PROVIDER", column: "shipping_provider" },
      { code: "E_NEEDS_TRACKING", column: "shipping_provider" },
    ]);
  });

  it("counts an invalid tracking number as given (no E_NEEDS_TRACKING)", () => {
    expect(
      codesAndColumns(check({ order_id: "1", tracking_number: "1Z#1", shipping_provider: "ups" })),
    ).toEqual([{ code: "E_TRACKING_CHARS", column: "tracking_number" }]);
  });

  it("names the column and quotes the value in every message", () => {
    const values: Values = {
      order_id: "1.5",
      status_id: "Nope",
      staff_notes: "a\u0001",
      billing_email: "x",
      tracking_number: "1.2E+9",
      shipping_provider: "Correos",
    };
    for (const problem of problemsOf(check(values))) {
      expect(problem.message.startsWith(`${problem.column}: `)).toBe(true);
      expect(problem.message).toContain(JSON.stringify(problem.value));
    }
  });

  it("shortens long values in the value and the message", () => {
    const value = `${"é".repeat(100)}@example.com`;
    const [problem] = problemsOf(check({ order_id: "1", billing_email: value.replace("@", " @") }));
    expect(problem?.code).toBe("E_EMAIL");
    expect(problem?.value?.length).toBeLessThanOrEqual(60);
    expect(problem?.value?.endsWith("…")).toBe(true);
    expect(problem?.message.length).toBeLessThan(300);
  });

  it("never splits a surrogate pair when shortening", () => {
    const value = "😀".repeat(40);
    const [problem] = problemsOf(check({ order_id: "1", billing_city: `${value}\u0001` }));
    const shown = problem?.value ?? "";
    expect(shown.endsWith("…")).toBe(true);
    expect(shown.slice(0, -1)).toBe(value.slice(0, shown.length - 1));
    const beforeEllipsis = shown.charCodeAt(shown.length - 2);
    expect(beforeEllipsis >= 0xd800 && beforeEllipsis <= 0xdbff).toBe(false);
  });

  it("gives a row with a structural problem only that problem", () => {
    const structureProblem: RowProblem = {
      code: "E_FIELD_COUNT",
      message: "line 2: 3 fields, expected 5",
    };
    const result = checkRow(sourceRow({ order_id: "x" }, { structureProblem }), defaults);
    expect(result).toEqual({ ok: false, source: expect.anything(), problems: [structureProblem] });
  });
});
