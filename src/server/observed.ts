import type { Database } from "../db/client";
import type { EventInput, IdentifyInput, IngestResult, OrderInput, ProductInput } from "../ingest/contract";
import { type IdentifyResult, type IngestOptions, IngestService } from "../ingest/service";
import type { MaterialiseReport } from "../rules/materialise";
import type { RealtimeAudiences } from "../rules/realtime";
import type { RuleService } from "../rules/service";
import { SegmentService } from "../segments/service";
import { TagService } from "../tags/service";
import type { Telemetry } from "./telemetry";

/**
 * The services with their work counted in the process's telemetry. They change no
 * behaviour: each override calls the service and records its answer, so every caller
 * (GraphQL, exports, the scheduler, seeding) is counted in one place. `identify` goes
 * through `identifyMany`, so it is counted once.
 */
export class ObservedIngestService extends IngestService {
  constructor(
    db: Database,
    private readonly telemetry: Telemetry,
    audiences?: RealtimeAudiences,
  ) {
    super(db, undefined, audiences);
  }

  override async track(events: readonly EventInput[], options?: IngestOptions): Promise<IngestResult> {
    return this.telemetry.countIngestion("events", await super.track(events, options));
  }

  override async trackBulk(events: readonly EventInput[], options?: IngestOptions): Promise<IngestResult> {
    return this.telemetry.countIngestion("events", await super.trackBulk(events, options));
  }

  override async identifyMany(
    inputs: readonly IdentifyInput[],
    options?: IngestOptions,
  ): Promise<IdentifyResult> {
    return this.telemetry.countIngestion("identities", await super.identifyMany(inputs, options));
  }

  override async recordOrders(orders: readonly OrderInput[], options?: IngestOptions): Promise<IngestResult> {
    return this.telemetry.countIngestion("orders", await super.recordOrders(orders, options));
  }

  override async upsertProducts(products: readonly ProductInput[]): Promise<IngestResult> {
    return this.telemetry.countIngestion("products", await super.upsertProducts(products));
  }
}

export class ObservedTagService extends TagService {
  constructor(
    db: Database,
    rules: RuleService,
    private readonly telemetry: Telemetry,
  ) {
    super(db, rules);
  }

  override refresh(keys?: readonly string[] | null): Promise<MaterialiseReport> {
    return this.telemetry.timeRefresh("tags", () => super.refresh(keys));
  }
}

export class ObservedSegmentService extends SegmentService {
  constructor(
    db: Database,
    rules: RuleService,
    private readonly telemetry: Telemetry,
  ) {
    super(db, rules);
  }

  override refresh(keys?: readonly string[] | null): Promise<MaterialiseReport> {
    return this.telemetry.timeRefresh("segments", () => super.refresh(keys));
  }
}
