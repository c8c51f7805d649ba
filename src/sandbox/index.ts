/** The sandbox store (issue 3): a loopback stand-in for BigCommerce V2 Orders. */
export { SandboxError } from "./errors.js";
export { formatSandboxBanner, runSandboxCommand, type SandboxCommandOptions } from "./main.js";
export {
  DEFAULT_SEED_FILE,
  GENERATED_FIRST_ID,
  GENERATED_PLAIN_ORDERS,
  generateSeed,
  loadSeedFile,
} from "./seed.js";
export { startSandbox } from "./server.js";
export type {
  FaultKind,
  FaultRule,
  RequestLogEntry,
  SampleOrderKind,
  Sandbox,
  SandboxConsignments,
  SandboxDigitalConsignment,
  SandboxInfo,
  SandboxOptions,
  SandboxOrder,
  SandboxOrderProduct,
  SandboxOrderStatus,
  SandboxRoute,
  SandboxShipment,
  SandboxShippingAddress,
  SandboxShippingConsignment,
  SandboxStats,
  SandboxStore,
  SeedData,
  SeedOrder,
} from "./types.js";
