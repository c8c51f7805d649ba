/**
 * Every error code the tool gives, with what it means and what to do: the one table that types
 * them (`ErrorCode`), written into the results file's `error_code` column and into fatal
 * messages. Policy as data: the README's code tables are checked against it by a test.
 *
 * `scope` says where the code appears: `file` refuses the whole input (exit 2, nothing sent),
 * `row` refuses one row before anything is sent (result `invalid`), `order` is a row's failure
 * against its order or the store (result `failed`, `needs_review` or `not_attempted`), `run`
 * stops or refuses the run itself (exit 2 or 3).
 */
export interface CodeInfo {
  readonly scope: "file" | "row" | "order" | "run";
  /** One line: what happened. */
  readonly meaning: string;
  /** One line: what a person does about it. */
  readonly fix: string;
}

export const CODES = {
  // ---- The input file ----
  E_FILE_UNREADABLE: {
    scope: "file",
    meaning: "The file does not exist, is a directory or cannot be read.",
    fix: "Check the path and permissions.",
  },
  E_FILE_EMPTY: {
    scope: "file",
    meaning: "The file has no header (empty or only blank lines).",
    fix: "Export again with a header line.",
  },
  E_ENCODING: {
    scope: "file",
    meaning: "Bytes that are not valid text in the encoding the file's BOM or --encoding names.",
    fix: 'Save the file as "CSV UTF-8", or give the right --encoding.',
  },
  E_DELIMITER: {
    scope: "file",
    meaning: "No delimiter splits the header into known column names, and several appear in it.",
    fix: "Check the header names (or --map), or give --delimiter.",
  },
  E_CSV_SYNTAX: {
    scope: "file",
    meaning: "A quote is never closed, or is closed and followed by text (often a cut-off export).",
    fix: 'Fix the quoting at the line given ("" for a quote inside a value) or export again.',
  },
  E_RECORD_TOO_LARGE: {
    scope: "file",
    meaning: "A record is larger than 16 MiB.",
    fix: "Check the file at the line given: usually a broken quote or a wrong export.",
  },
  E_HEADER_UNKNOWN: {
    scope: "file",
    meaning: "A column name is not one we know; the message suggests the nearest.",
    fix: 'Rename it, map it with --map "Name=column", or keep it with --allow-extra-columns.',
  },
  E_HEADER_DUPLICATE: {
    scope: "file",
    meaning: "Two columns have the same name (after trimming, case and --map).",
    fix: "Remove or rename one.",
  },
  E_HEADER_EMPTY_NAME: {
    scope: "file",
    meaning:
      "A header field is empty (nameless columns at the end are ignored only when empty in every row).",
    fix: "Name the column, or delete it.",
  },
  E_HEADER_FORBIDDEN: {
    scope: "file",
    meaning: "A column is named __proto__, constructor or prototype.",
    fix: "Rename it (refused even with --allow-extra-columns).",
  },
  E_HEADER_RESERVED: {
    scope: "file",
    meaning: "An extra column has the name of a results column (result, error, …).",
    fix: "Rename it.",
  },
  E_HEADER_NO_ORDER_ID: {
    scope: "file",
    meaning: "No column is order_id (nor an alias of it); the message names the likely column.",
    fix: 'Add it, or paste the --map "Their Name=order_id" the message gives.',
  },
  E_FILE_CHANGED: {
    scope: "file",
    meaning: "The input file changed while the run read it; the run stopped.",
    fix: "Do not write the file while the tool reads it; run again (--resume) once it is complete.",
  },
  E_FILE_NOT_REGULAR: {
    scope: "file",
    meaning:
      "A pipe or device given straight to the library's inspectInput (runBatch copies it first).",
    fix: "Pass it to runBatch, or copy it to a file.",
  },
  E_ACCESS_TOKEN: {
    scope: "file",
    meaning:
      "The access token is empty, shorter than 8 characters, or holds spaces, control or non-ASCII characters.",
    fix: "Paste the token again from the API account.",
  },
  E_USAGE: {
    scope: "run",
    meaning: "A flag or setting is wrong (the message names the flag or variable).",
    fix: "Follow the message.",
  },

  // ---- One row, before anything is sent ----
  E_FIELD_COUNT: {
    scope: "row",
    meaning: "The row has more or fewer fields than the header.",
    fix: "Check delimiters and quotes on that line.",
  },
  E_REQUIRED: { scope: "row", meaning: "order_id is empty.", fix: "Fill it in." },
  E_NOT_INTEGER: {
    scope: "row",
    meaning: "An id is not a whole number (12345.0, 1e3).",
    fix: "Write digits only.",
  },
  E_OUT_OF_RANGE: {
    scope: "row",
    meaning: "An id is 0, negative or too large.",
    fix: "Check the order or address id.",
  },
  E_UNKNOWN_STATUS: {
    scope: "row",
    meaning: "status_id is not a status of the store.",
    fix: "Use an id (0–14) or a status name; validate only knows the standard names.",
  },
  E_AMBIGUOUS_STATUS: {
    scope: "row",
    meaning: "The name matches several statuses (renamed labels).",
    fix: "Use the numeric id.",
  },
  E_STATUS_MISMATCH: {
    scope: "row",
    meaning: 'status_id is "id - name" (2 - Shipped) and the name is not that id\'s status.',
    fix: "Use the id or the name alone; bc-order-batch statuses lists them.",
  },
  E_TOO_LONG: {
    scope: "row",
    meaning:
      "A value is longer than BigCommerce accepts (staff_notes 65535, tracking_number 50, …).",
    fix: "Shorten it.",
  },
  E_EMAIL: {
    scope: "row",
    meaning: "billing_email is not an email address.",
    fix: "Fix it (often a shifted column).",
  },
  E_COUNTRY: {
    scope: "row",
    meaning: "billing_country is neither a country name nor an alpha-2 code.",
    fix: "Use e.g. Spain or ES.",
  },
  E_PROVIDER: {
    scope: "row",
    meaning: "shipping_provider is neither a BigCommerce value nor a carrier name we know.",
    fix: "Use a listed value, carrier_<id> or a known carrier; put other carriers in tracking_carrier.",
  },
  E_CARRIER: {
    scope: "row",
    meaning:
      "tracking_carrier is not a courier slug, or carrier is unknown and the row has no tracking_link.",
    fix: "Use a known carrier or an AfterShip slug such as dhl, or add tracking_link.",
  },
  E_TRACKING_LINK: {
    scope: "row",
    meaning: "tracking_link is not an https:// web address.",
    fix: "Give the carrier's tracking page URL, starting with https://.",
  },
  E_TRACKING_SCIENTIFIC: {
    scope: "row",
    meaning: "Excel turned the tracking number into 9.40011E+21: its digits are lost.",
    fix: "Format the column as Text, enter the numbers again, save.",
  },
  E_TRACKING_CHARS: {
    scope: "row",
    meaning: "The tracking number holds characters a tracking number cannot have.",
    fix: "Check the column.",
  },
  E_NEEDS_TRACKING: {
    scope: "row",
    meaning:
      "A shipment column (carrier, tracking_link, sku, quantity, order_address_id, …) without tracking_number.",
    fix: "Add the tracking number or empty those cells.",
  },
  E_REPLACEMENT_CHAR: {
    scope: "row",
    meaning: "A value holds U+FFFD: the text was damaged before it reached us.",
    fix: "Export the file again as UTF-8.",
  },
  E_CONTROL_CHAR: {
    scope: "row",
    meaning: "A value holds a control character.",
    fix: "Remove it.",
  },
  E_NOTHING_TO_DO: {
    scope: "row",
    meaning: "Every column but order_id is empty.",
    fix: "Fill in a change, or drop the row.",
  },
  E_UNKNOWN_CREDENTIALS: {
    scope: "row",
    meaning: "credentials_id names no entry of the credentials file (or no file is used).",
    fix: "Fix the id or pass --credentials.",
  },

  E_SHIPMENT_COLUMNS: {
    scope: "row",
    meaning:
      "delete_shipment_id with shipment columns, or update_shipment_id with sku, quantity, order_product_id or order_address_id.",
    fix: "Remove the shipment in one row and create it again in another.",
  },
  E_CLEAR_FIELD: {
    scope: "row",
    meaning: "clear_fields names a column that cannot be cleared, or one the row also sets.",
    fix: "List only the columns the message names, separated by ;.",
  },
  E_EXPECT_WITHOUT_CHANGE: {
    scope: "row",
    meaning: "An expect_ column guards a field the row does not change.",
    fix: "Fill in the field it guards, or empty the expect_ cell.",
  },
  E_INVALID_UTF8: {
    scope: "row",
    meaning:
      "The row holds bytes that are not UTF-8 in a UTF-8 file (line, column and byte offset given).",
    fix: 'Fix the value and save the file as "CSV UTF-8".',
  },

  // ---- A row against its order or the store ----
  E_ORDER_NOT_FOUND: {
    scope: "order",
    meaning: "The store has no order with this id (HTTP 404).",
    fix: "Check the order id and the store (credentials_id).",
  },
  E_NO_SHIPPING_ADDRESS: {
    scope: "order",
    meaning: "The order has no shipping address (digital or pickup only): nothing can be shipped.",
    fix: "Drop the tracking number from the row.",
  },
  E_SEVERAL_ADDRESSES: {
    scope: "order",
    meaning: "The order ships to several addresses and the row does not say which.",
    fix: "Add order_address_id with one of the ids the message lists.",
  },
  E_ADDRESS_NOT_ON_ORDER: {
    scope: "order",
    meaning: "order_address_id is not a shipping address of this order.",
    fix: "Use one of the ids the message lists.",
  },
  E_ITEM_NOT_ON_ORDER: {
    scope: "order",
    meaning:
      "A row's sku or order_product_id is not a physical line of the order; no row of that shipment is applied.",
    fix: "Correct the SKU on the line the message names (it lists the order's lines).",
  },
  E_ITEM_OVER_QUANTITY: {
    scope: "order",
    meaning:
      "The rows of one shipment ask for more of a line than is left to ship; no row of that shipment is applied.",
    fix: "Lower the quantity on the line the message names (it says what is left), or leave it empty for everything left.",
  },
  E_ITEM_OTHER_ADDRESS: {
    scope: "order",
    meaning:
      "The items of one shipment are at different shipping addresses (or its rows name different order_address_id values).",
    fix: "Give each address's parcel its own tracking number, or correct order_address_id.",
  },
  E_ALREADY_SHIPPED: {
    scope: "order",
    meaning:
      "With --already-shipped fail: the order is fully shipped under another tracking number (another app shipped it).",
    fix: "Nothing to do if that shipment is right; without --already-shipped fail such a row is unchanged.",
  },
  E_NOTHING_TO_SHIP: {
    scope: "order",
    meaning: "Every physical line at that address is already shipped.",
    fix: "Nothing to do if another shipment covers it; otherwise check the order.",
  },
  E_CONFLICT: {
    scope: "order",
    meaning:
      "A field no longer holds the expect_ value (someone changed it since): it was left as is (result conflict).",
    fix: "Look at the order; the message gives the value expected and the value found.",
  },
  E_SHIPMENT_NOT_FOUND: {
    scope: "order",
    meaning: "update_shipment_id names no shipment of this order.",
    fix: "Check the shipment id (the results' shipment_id of the run that created it).",
  },
  E_HTTP_STATUS: {
    scope: "order",
    meaning: "BigCommerce refused the request (the message gives the status, request and reason).",
    fix: "Read the message; fix the value it names.",
  },
  E_NETWORK: {
    scope: "order",
    meaning: "The connection failed and retries ran out.",
    fix: "--resume once the network is back.",
  },
  E_TIMEOUT: {
    scope: "order",
    meaning: "The store did not answer in time and retries ran out.",
    fix: "--resume; raise --timeout if the store is slow.",
  },
  E_UNEXPECTED_RESPONSE: {
    scope: "order",
    meaning:
      "The store answered something that is not a V2 response (not JSON, wrong shape, too large).",
    fix: "Check the API URL; --resume tries again.",
  },
  E_RESPONSE_TOO_LARGE: {
    scope: "order",
    meaning:
      "An answer's body was larger than 16 MiB; it was not read (a write ends needs_review).",
    fix: "Check the API URL points at BigCommerce; look at the order if a write was involved.",
  },
  E_TOO_MANY_PAGES: {
    scope: "order",
    meaning:
      "A list of the order (products, addresses, shipments) did not end within the page limit.",
    fix: "Look at the order in the control panel.",
  },
  E_ABORTED: {
    scope: "order",
    meaning: "The request was cancelled because the run stopped.",
    fix: "--resume.",
  },
  E_STOPPED: {
    scope: "order",
    meaning: "The run stopped (interrupt, outage, rejected credentials) before this row started.",
    fix: "--resume.",
  },
  E_INTERNAL: {
    scope: "order",
    meaning: "A bug in bc-order-batch.",
    fix: "Report it with the row and the message.",
  },

  // ---- The run ----
  E_CREDENTIALS_REJECTED: {
    scope: "run",
    meaning: "The store rejected the access token (HTTP 401/403 on the first request).",
    fix: "Check BIGCOMMERCE_ACCESS_TOKEN and the API account's Orders scope.",
  },
  E_INTERRUPTED: {
    scope: "run",
    meaning: "A second Ctrl-C ended the run at once (exit 130): the rows in flight have no result.",
    fix: "--resume (it checks those rows against the store, never applying one twice).",
  },
  E_OUTAGE: {
    scope: "run",
    meaning:
      "Too many requests failed in a row: the store or the network is down; the run stopped.",
    fix: "--resume later.",
  },
  E_CREDENTIALS_FILE: {
    scope: "run",
    meaning: "The credentials file cannot be read or is not valid.",
    fix: "Follow the message; it names the entry and field.",
  },
  E_CREDENTIALS_PERMISSIONS: {
    scope: "run",
    meaning: "The credentials file can be read by other users.",
    fix: "chmod 600 the file.",
  },
  E_NO_DEFAULT_STORE: {
    scope: "run",
    meaning: "Rows without credentials_id, and no default store.",
    fix: "Set BIGCOMMERCE_STORE_HASH and BIGCOMMERCE_ACCESS_TOKEN, or fill credentials_id.",
  },
  E_STORE_HASH: {
    scope: "run",
    meaning: "The store hash is missing or not a store hash.",
    fix: "Set BIGCOMMERCE_STORE_HASH (the part after /stores/ in the API path).",
  },
  E_OUTPUT_UNWRITABLE: {
    scope: "run",
    meaning: "The results or failed-rows file cannot be created.",
    fix: "Check the path and permissions, or give -o.",
  },
  E_OUTPUT_WRITE: {
    scope: "run",
    meaning:
      "Writing the results failed during the run (e.g. a full disk); the file is incomplete.",
    fix: "Free space, then --resume.",
  },
  E_OUTPUT_IS_INPUT: {
    scope: "run",
    meaning:
      "An output path (results, failed rows, .partial or .lock) is the input file; nothing was written.",
    fix: "Give another -o.",
  },
  E_OUTPUT_SYMLINK: {
    scope: "run",
    meaning: "An output path is a symbolic link, which is never followed; nothing was written.",
    fix: "Remove the link or give the real path with -o.",
  },
  E_RESULTS_LOCKED: {
    scope: "run",
    meaning:
      "Another run holds the results file's .lock (the message names its pid, host and start).",
    fix: "Wait for it; delete the lock only if that run is gone (another host's lock is never taken over).",
  },
  E_INBOX_LOCKED: {
    scope: "run",
    meaning:
      "Another `inbox` run holds the folder's .bc-order-batch-inbox.lock (the message names its pid, host and start).",
    fix: "Let it finish (a cron line that overlaps the previous call exits 2 and does nothing); delete the lock only if that run is gone.",
  },
  E_INBOX_DIR: {
    scope: "run",
    meaning:
      "The `inbox` folder does not exist or is not a folder, or its processing/, done/ or failed/ subfolder cannot be made.",
    fix: "Check the path and permissions.",
  },
  E_SANDBOX_LISTEN: {
    scope: "run",
    meaning: "The sandbox store cannot listen on the port (taken, or not allowed).",
    fix: "Give another --port, or 0 for any free one.",
  },
  E_SANDBOX_OPTIONS: {
    scope: "run",
    meaning: "A sandbox option is out of range.",
    fix: "Follow the message; it names the option.",
  },
  E_SANDBOX_SEED: {
    scope: "run",
    meaning: "The sandbox's seed data cannot be used.",
    fix: "Check samples/store.json, or use --orders.",
  },
} as const satisfies Record<string, CodeInfo>;

/** Every code the tool gives. */
export type ErrorCode = keyof typeof CODES;
