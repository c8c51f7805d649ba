/**
 * Fault injection: which requests fail, and how. Rules are data (FaultRule); this module only
 * decides, the server carries the decision out.
 */
import { SandboxError } from "./errors.js";
import { createRandom, type Random } from "./random.js";
import type { FaultKind, FaultRule, SandboxRoute } from "./types.js";

export interface FaultDecision {
  /** Sum of the delays of every hitting `latency` rule. */
  latencyMs: number;
  /** The first hitting rule of another kind: it decides the answer. */
  rule?: FaultRule;
}

const KINDS: ReadonlySet<FaultKind> = new Set([
  "latency",
  "status",
  "rate_limit",
  "reset",
  "applied_then_status",
  "hang",
  "empty_line_items",
  "consignment_id_mismatch",
]);

/** Kinds that change data, not the answer: they never decide a request (see FaultRule). */
const DATA_KINDS: ReadonlySet<FaultKind> = new Set(["empty_line_items", "consignment_id_mismatch"]);

/** What the data faults do to one order's consignments on one read. */
export interface ConsignmentFaults {
  emptyLineItems: boolean;
  idMismatch: boolean;
}

const matchesOrder = (rule: FaultRule, orderId: number | undefined): boolean =>
  (rule.orderId === undefined || rule.orderId === orderId) &&
  (rule.orderIds === undefined || (orderId !== undefined && rule.orderIds.includes(orderId)));

interface ArmedRule {
  readonly rule: FaultRule;
  /** Requests this rule has matched so far (its schedule counts these). */
  matched: number;
}

export class FaultPlan {
  #rules: ArmedRule[] = [];
  readonly #random: Random;

  constructor(rules: readonly FaultRule[], seed: number) {
    this.#random = createRandom(seed);
    this.set(rules);
  }

  /** Replaces the rules; schedules start counting again from 0. */
  set(rules: readonly FaultRule[]): void {
    rules.forEach(checkFaultRule);
    this.#rules = rules.map((rule) => ({
      rule: rule.orderIds === undefined ? { ...rule } : { ...rule, orderIds: [...rule.orderIds] },
      matched: 0,
    }));
  }

  decide(request: {
    method: string;
    route: SandboxRoute;
    orderId?: number | undefined;
  }): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const armed of this.#rules) {
      const { rule } = armed;
      if (rule.method !== undefined && rule.method !== request.method) continue;
      if (DATA_KINDS.has(rule.kind)) continue;
      if (rule.route !== undefined && rule.route !== request.route) continue;
      if (!matchesOrder(rule, request.orderId)) continue;
      const index = armed.matched;
      armed.matched += 1;
      if (!scheduled(rule, index)) continue;
      // Draw only for scheduled requests, so a given seed and traffic always hit the same ones.
      if (
        rule.probability !== undefined &&
        rule.probability < 1 &&
        this.#random() >= rule.probability
      )
        continue;
      if (rule.kind === "latency") decision.latencyMs += rule.latencyMs ?? 0;
      else if (decision.rule === undefined) decision.rule = rule;
    }
    return decision;
  }

  /** The data faults that apply to `orderId` when `route` renders its consignments. */
  consignmentFaults(route: SandboxRoute, orderId: number): ConsignmentFaults {
    const faults: ConsignmentFaults = { emptyLineItems: false, idMismatch: false };
    for (const { rule } of this.#rules) {
      if (!DATA_KINDS.has(rule.kind)) continue;
      if (rule.route !== undefined && rule.route !== route) continue;
      if (!matchesOrder(rule, orderId)) continue;
      if (rule.kind === "empty_line_items") faults.emptyLineItems = true;
      else faults.idMismatch = true;
    }
    return faults;
  }
}

function scheduled(rule: FaultRule, index: number): boolean {
  const from = rule.schedule?.from ?? 0;
  const count = rule.schedule?.count ?? Number.POSITIVE_INFINITY;
  const every = rule.schedule?.every ?? 1;
  return index >= from && index < from + count && (index - from + 1) % every === 0;
}

const isCount = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 0;

/** Throws SandboxError E_SANDBOX_OPTIONS naming the bad field. */
export function checkFaultRule(rule: FaultRule, index: number): void {
  const fail = (field: string, expected: string): never => {
    throw new SandboxError("E_SANDBOX_OPTIONS", `faults[${index}].${field} must be ${expected}`);
  };
  if (!KINDS.has(rule.kind)) fail("kind", [...KINDS].join(", "));
  if (rule.method !== undefined && !["GET", "PUT", "POST", "DELETE"].includes(rule.method))
    fail("method", "GET, PUT, POST or DELETE");
  if (
    rule.orderIds !== undefined &&
    !(Array.isArray(rule.orderIds) && rule.orderIds.every(isCount))
  )
    fail("orderIds", "an array of order ids");
  if (DATA_KINDS.has(rule.kind)) {
    // A data fault is a property of the store's data, not of some requests (FaultRule).
    for (const field of ["method", "schedule", "probability"] as const) {
      if (rule[field] !== undefined) fail(field, `absent for kind ${rule.kind}`);
    }
  }
  if (
    rule.status !== undefined &&
    !(Number.isInteger(rule.status) && rule.status >= 100 && rule.status <= 599)
  ) {
    fail("status", "an HTTP status (100-599)");
  }
  if (rule.latencyMs !== undefined && !(rule.latencyMs >= 0)) fail("latencyMs", "a number >= 0");
  if (rule.retryAfterSec !== undefined && !(rule.retryAfterSec >= 0))
    fail("retryAfterSec", "a number >= 0");
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    fail("probability", "a number from 0 to 1");
  }
  const schedule = rule.schedule;
  if (schedule?.from !== undefined && !isCount(schedule.from))
    fail("schedule.from", "an integer >= 0");
  if (schedule?.count !== undefined && !isCount(schedule.count))
    fail("schedule.count", "an integer >= 0");
  if (schedule?.every !== undefined && !(isCount(schedule.every) && schedule.every >= 1)) {
    fail("schedule.every", "an integer >= 1");
  }
}
