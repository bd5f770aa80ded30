import { sql } from "drizzle-orm";
import { backOff } from "exponential-backoff";
import { recordAudit } from "../audit/service";
import type { Database } from "../db/client";
import { EVENT_WRITE_COLUMNS } from "../db/columns";
import { hasSqlState, lostRace, RACE_RETRY_POLICY } from "../db/concurrency";
import { lockOrderIds } from "../db/locks";
import { type OrderStatus, products as productTable } from "../db/schema/core";
import { badInput, limitExceeded } from "../errors";
import { logger } from "../logger";
import type { Intent, RealtimeAudiences } from "../rules/realtime";
import { bigintArray, textArray } from "../semantic/arrays";
import { enqueueEventTriggers } from "../semantic/automation";
import { eventRollupDelta, orderIdIn, orderRollupDelta } from "../semantic/rollups";
import type {
  EventInput,
  IdentifyInput,
  IdentityInput,
  IngestResult,
  OrderInput,
  ProductInput,
  RejectedItem,
} from "./contract";
import { MAX_BATCH_SIZE, ORDER_PAID_EVENT } from "./contract";
import { IdentityRaceError, type Resolution, resolveIdentities } from "./identity";
import { type IdentityRequest, usableIdentities } from "./identity-plan";
import { planOrder, type StoredOrder } from "./order-plan";
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from "./rules";
import {
  ItemRejection,
  RejectCode,
  rejectionOf,
  type ValidEvent,
  type ValidOrder,
  type ValidProduct,
  validateEvent,
  validateIdentify,
  validateOrder,
  validateProduct,
} from "./validate";

/** Who is ingesting, for the audit log of refused merges. */
export interface IngestOptions {
  actor?: string;
  requestId?: string | null;
  /**
   * Commit without waiting for the WAL flush. Only for idempotent replays (`stratum load`):
   * a crash may lose the last batches, and loading the file again restores them.
   */
  asyncCommit?: boolean;
  /**
   * false: the batch's users are not re-evaluated for the real-time audiences. Only for a writer
   * that refreshes every definition once it is done (`stratum seed`): evaluating each batch
   * before that refresh is work thrown away.
   */
  realtime?: boolean;
}

export interface IdentifyResult extends IngestResult {
  /** The unified profile of each input (null where rejected), in input order. */
  userIds: Array<number | null>;
}

/** The `order_paid` event of an order has a message id derived from the order id: written once. */
export const orderPaidMessageId = (orderId: string) => `order_paid:${orderId}`;

/** The events table's write columns as SQL: the insert list and the JSON record shape. */
const EVENT_COLUMN_LIST = sql.raw(EVENT_WRITE_COLUMNS.map((c) => c.name).join(", "));
const EVENT_RECORD_SHAPE = sql.raw(
  EVENT_WRITE_COLUMNS.map((c) => `${c.name} ${c.sqlType === "jsonb" ? "jsonb" : c.sqlType}`).join(", "),
);

/** Largest chunk of events `trackBulk` takes (the loader's chunks; memory stays bounded). */
export const MAX_BULK_CHUNK = 20_000;

interface ProfileTouch {
  first: Date | null;
  last: Date | null;
  traits: Map<string, { value: unknown; at: Date }>;
}

/**
 * Ingestion for the API, the CLI loaders and the demo generator. Each batch
 * is validated in Node (bad items become coded rejections), then written in one
 * transaction with a fixed handful of set-based statements whatever the batch size.
 */
export class IngestService {
  /**
   * `audiences`: real-time definitions re-evaluated for each committed batch's users
   * (`src/rules/realtime.ts`); without it nothing is evaluated on ingestion.
   */
  constructor(
    private readonly db: Database,
    readonly rules: IdentityRules = DEFAULT_IDENTITY_RULES,
    private readonly audiences?: RealtimeAudiences,
  ) {}

  get driver(): Database["kind"] {
    return this.db.kind;
  }

  async track(events: readonly EventInput[], options: IngestOptions = {}): Promise<IngestResult> {
    checkBatch(events, "events");
    return this.writeEvents(events, options, false);
  }

  /**
   * `track` for the bulk loader: one chunk of up to `MAX_BULK_CHUNK` events (the API limit
   * of 1000 is for callers over the network). Same semantics, but the per-chunk work
   * (message id check, identity lookup, profile update) is paid once for many more events.
   */
  async trackBulk(events: readonly EventInput[], options: IngestOptions = {}): Promise<IngestResult> {
    checkBatch(events, "events", MAX_BULK_CHUNK);
    return this.writeEvents(events, options, true);
  }

  /**
   * `copy`: write the new events with COPY (bulk loads). The rows were checked against the
   * stored message ids in this transaction; a concurrent batch storing one of them first
   * makes the COPY fail with a unique violation, and the batch is retried (`withRetry`).
   */
  private async writeEvents(
    events: readonly EventInput[],
    options: IngestOptions,
    copy: boolean,
  ): Promise<IngestResult> {
    const rejected: RejectedItem[] = [];
    // The valid events and, at the same index, their identifiers (as identity requests).
    const valid: ValidEvent[] = [];
    const requests: IdentityRequest[] = [];
    const seenIds = new Set<string>();
    let duplicates = 0;
    for (const [index, input] of events.entries()) {
      try {
        const event = validateEvent(input, index);
        const identities = this.identifiersOf(event.userId, event.anonymousId);
        if (seenIds.has(event.messageId)) {
          duplicates++;
          continue;
        }
        seenIds.add(event.messageId);
        valid.push(event);
        requests.push({ identities });
      } catch (error) {
        rejected.push(rejectionOf(index, input?.messageId, error));
      }
    }
    if (valid.length === 0) return { accepted: 0, updated: 0, duplicates, rejected };
    const accepted = await this.withRetry(async (tx, affected) => {
      const stored = await tx.query<{ messageId: string }>(sql`
        select message_id as "messageId" from events
        where message_id = any(${textArray(valid.map((e) => e.messageId))})`);
      const known = new Set(stored.map((row) => row.messageId));
      const fresh = known.size === 0 ? valid : valid.filter((event) => !known.has(event.messageId));
      if (fresh.length === 0) return 0;
      const resolution = await resolveIdentities(
        tx,
        this.rules,
        known.size === 0 ? requests : requests.filter((_, i) => !known.has(valid[i].messageId)),
        fresh.map((event) => event.ts),
      );
      const n = copy
        ? await this.copyEvents(tx, fresh, resolution.userIds)
        : await this.insertEvents(tx, fresh, resolution.userIds);
      for (const id of resolution.userIds) affected.add(id);
      // The triggers' outbox rows commit with the events or not at all (one statement per batch).
      await tx.query(
        enqueueEventTriggers(
          fresh.map((event) => event.messageId),
          this.audiences?.sendTime,
        ),
      );
      const touches = new Map<number, ProfileTouch>();
      fresh.forEach((event, i) => {
        const userId = resolution.userIds[i];
        // A created profile already spans the batch's events; only its traits remain to set.
        if (resolution.created.has(userId)) touch(touches, userId, null, null, event.traits, event.ts);
        else touch(touches, userId, event.ts, event.ts, event.traits, event.ts);
      });
      await this.touchProfiles(tx, touches);
      await this.writeAudits(tx, resolution, options);
      return n;
    }, options);
    // Every valid event not inserted was already stored (by an earlier batch or a concurrent one).
    return { accepted, updated: 0, duplicates: duplicates + valid.length - accepted, rejected };
  }

  /** Inserts events (one JSON parameter); a message id stored meanwhile is skipped. Returns the rows inserted. */
  private async insertEvents(
    tx: Database,
    events: readonly ValidEvent[],
    userIds: number[],
  ): Promise<number> {
    const rows = events.map((event, i) =>
      Object.fromEntries(eventRow(event, userIds[i]).map((value, c) => [EVENT_WRITE_COLUMNS[c].name, value])),
    );
    const [{ n }] = await tx.query<{ n: number }>(sql`
      with inserted as (
        insert into events (${EVENT_COLUMN_LIST})
        select ${EVENT_COLUMN_LIST}
        from json_to_recordset(${JSON.stringify(rows)}::json) as x(${EVENT_RECORD_SHAPE})
        -- No arbiter: the message id key is (message_id) on one server and (user_id, message_id)
        -- under Citus (src/db/citus.ts); events have no other key an insert can meet.
        on conflict do nothing returning *),
      rolled_up as (${eventRollupDelta(sql`inserted`, 1)})
      select count(*)::int as n from inserted`);
    return n;
  }

  /**
   * Writes events with one COPY straight into events: every row is inserted or the statement
   * fails with a unique violation (a concurrent batch stored one of the message ids after the
   * check of `writeEvents`) and the batch is retried. The rollups, when built, add the rows just
   * written, read back by message id. Whether they are built is read after the COPY: a rebuild
   * (which locks events against writers) committed before it is seen, one started after it
   * waits for this transaction and counts these rows itself.
   */
  private async copyEvents(tx: Database, events: readonly ValidEvent[], userIds: number[]): Promise<number> {
    await tx.copyRows(
      "events",
      EVENT_WRITE_COLUMNS.map((c) => c.name),
      events.map((event, i) => eventRow(event, userIds[i])),
    );
    const [{ built }] = await tx.query<{ built: boolean }>(
      sql`select exists (select 1 from rollup_state) as built`,
    );
    if (built) {
      const messageIds = textArray(events.map((event) => event.messageId));
      await tx.query(
        eventRollupDelta(sql`(select e.* from events e where e.message_id = any(${messageIds}))`, 1),
      );
    }
    return events.length;
  }

  /** Resolves one identify call and returns the unified profile id; a bad input is BAD_USER_INPUT. */
  async identify(input: IdentifyInput, options: IngestOptions = {}): Promise<number> {
    const result = await this.identifyMany([input], options);
    const [rejection] = result.rejected;
    if (rejection) throw badInput(rejection.message, { argument: "input", reason: rejection.code });
    return result.userIds[0]!;
  }

  /** Many identify calls in one set-based pass (the users loader and the generator use it). */
  async identifyMany(inputs: readonly IdentifyInput[], options: IngestOptions = {}): Promise<IdentifyResult> {
    checkBatch(inputs, "inputs");
    const now = new Date();
    const rejected: RejectedItem[] = [];
    const valid: Array<{
      index: number;
      identities: IdentityInput[];
      traits: Record<string, unknown> | null;
      ts: Date;
      seen: Date | null;
    }> = [];
    for (const [index, input] of inputs.entries()) {
      try {
        const call = validateIdentify(input, index, now);
        const identities = usableIdentities(this.rules, call.identities);
        if (identities.length === 0)
          throw new ItemRejection(
            RejectCode.MISSING_IDENTIFIER,
            "at least one usable identifier is required",
          );
        valid.push({ ...call, identities, seen: input.timestamp == null ? null : call.ts });
      } catch (error) {
        rejected.push(rejectionOf(index, input?.userId ?? input?.anonymousId, error));
      }
    }
    const userIds: Array<number | null> = inputs.map(() => null);
    if (valid.length === 0) return { accepted: 0, updated: 0, duplicates: 0, rejected, userIds };
    const counts = await this.withRetry(async (tx, affected) => {
      const resolution = await resolveIdentities(
        tx,
        this.rules,
        valid,
        valid.map((call) => call.seen ?? call.ts),
      );
      for (const id of resolution.userIds) affected.add(id);
      const touches = new Map<number, ProfileTouch>();
      valid.forEach((call, i) => {
        touch(touches, resolution.userIds[i], call.seen, call.seen, call.traits, call.ts);
      });
      const touched = await this.touchProfiles(tx, touches);
      await this.writeAudits(tx, resolution, options);
      let accepted = 0;
      let updated = 0;
      let duplicates = 0;
      valid.forEach((call, i) => {
        const id = resolution.userIds[i];
        userIds[call.index] = id;
        if (resolution.created.has(id)) accepted++;
        else if (resolution.changed.has(id) || touched.has(id)) updated++;
        else duplicates++;
      });
      return { accepted, updated, duplicates };
    }, options);
    return { ...counts, rejected, userIds };
  }

  async recordOrders(orders: readonly OrderInput[], options: IngestOptions = {}): Promise<IngestResult> {
    checkBatch(orders, "orders");
    const rejected: RejectedItem[] = [];
    // Records of the same order in one batch apply in order: each wave holds one record per order.
    const waves: Array<Array<ValidOrder & { identities: IdentityInput[] }>> = [];
    const occurrences = new Map<string, number>();
    for (const [index, input] of orders.entries()) {
      try {
        const order = validateOrder(input, index);
        const identities = this.identifiersOf(order.userId, order.anonymousId);
        const wave = occurrences.get(order.orderId) ?? 0;
        occurrences.set(order.orderId, wave + 1);
        if (!waves[wave]) waves[wave] = [];
        waves[wave].push({ ...order, identities });
      } catch (error) {
        rejected.push(rejectionOf(index, input?.orderId, error));
      }
    }
    const totals = { accepted: 0, updated: 0, duplicates: 0 };
    if (waves.length === 0) return { ...totals, rejected };
    const counts = await this.withRetry(async (tx, affected) => {
      const sum = { accepted: 0, updated: 0, duplicates: 0 };
      for (const wave of waves) {
        const result = await this.writeOrders(tx, wave, options, affected);
        sum.accepted += result.accepted;
        sum.updated += result.updated;
        sum.duplicates += result.duplicates;
      }
      return sum;
    }, options);
    return { ...counts, rejected };
  }

  async upsertProducts(products: readonly ProductInput[]): Promise<IngestResult> {
    checkBatch(products, "products");
    const rejected: RejectedItem[] = [];
    const latest = new Map<string, ValidProduct>();
    let duplicates = 0;
    for (const [index, input] of products.entries()) {
      try {
        const product = validateProduct(input, index);
        if (latest.has(product.productId)) duplicates++;
        latest.set(product.productId, product);
      } catch (error) {
        rejected.push(rejectionOf(index, input?.productId, error));
      }
    }
    if (latest.size === 0) return { accepted: 0, updated: 0, duplicates, rejected };
    const rows: Array<typeof productTable.$inferInsert> = [...latest.values()].map((p) => ({
      id: p.productId,
      name: p.name,
      category: p.category,
      brand: p.brand,
      price: p.price?.toFixed(2) ?? null,
    }));
    const excluded = (column: keyof (typeof rows)[number]) =>
      sql.raw(`excluded.${productTable[column].name}`);
    const written = await this.db.orm
      .insert(productTable)
      .values(rows)
      .onConflictDoUpdate({
        target: productTable.id,
        set: {
          name: excluded("name"),
          category: excluded("category"),
          brand: excluded("brand"),
          price: excluded("price"),
          // The inserted row's default, now(): Citus refuses a function in DO UPDATE SET.
          updatedAt: excluded("updatedAt"),
        },
        // An unchanged product is not rewritten (nor counted as updated).
        setWhere: sql`(${productTable.name}, ${productTable.category}, ${productTable.brand}, ${productTable.price})
          is distinct from (${excluded("name")}, ${excluded("category")}, ${excluded("brand")}, ${excluded("price")})`,
      })
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    const accepted = written.filter((row) => row.inserted).length;
    const updated = written.length - accepted;
    return { accepted, updated, duplicates: duplicates + rows.length - written.length, rejected };
  }

  private identifiersOf(userId: string | null, anonymousId: string | null): IdentityInput[] {
    const identities: IdentityInput[] = [];
    if (userId !== null) identities.push({ type: "user_id", value: userId });
    if (anonymousId !== null) identities.push({ type: "anonymous_id", value: anonymousId });
    const usable = usableIdentities(this.rules, identities);
    if (usable.length === 0)
      throw new ItemRejection(
        RejectCode.MISSING_IDENTIFIER,
        "userId or anonymousId is required (blocked values such as 'null' or '0' do not count)",
      );
    return usable;
  }

  /** One wave: orders with distinct ids. */
  private async writeOrders(
    tx: Database,
    wave: Array<ValidOrder & { identities: IdentityInput[] }>,
    options: IngestOptions,
    affected: Set<number>,
  ): Promise<{ accepted: number; updated: number; duplicates: number }> {
    const ids = JSON.stringify(wave.map((order) => order.orderId));
    // Lock the order ids first (an advisory lock each, in key order, so concurrent batches
    // cannot deadlock): a concurrent record of the same order waits here, then the read below
    // (a new snapshot) sees its result, so the status only moves forward and no refund is lost
    // and a new order is inserted once — also under Citus, whose key is (user_id, order_id).
    await tx.query(lockOrderIds(wave.map((order) => order.orderId)));
    const stored = await tx.query<
      StoredOrder & { orderId: string; userId: number } & Record<string, unknown>
    >(sql`
      select o.order_id as "orderId", o.user_id as "userId", o.placed_at as "placedAt", o.status,
        o.total_amount as "totalAmount", o.refunded_amount as "refundedAmount", o.counted,
        (select json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
            'unitPrice', i.unit_price) order by i.line_no)
         from order_items i where i.order_id = o.order_id and i.user_id = o.user_id) as items
      from orders o where o.order_id in (select json_array_elements_text(${ids}::json))`);
    const byId = new Map(stored.map((row) => [row.orderId, row]));
    const fresh = wave.filter((order) => !byId.has(order.orderId));
    const freshIndex = new Map(fresh.map((order, i) => [order, i]));
    const resolution = fresh.length
      ? await resolveIdentities(
          tx,
          this.rules,
          fresh,
          fresh.map((order) => order.placedAt),
        )
      : null;
    const now = new Date();
    type Row = {
      id: string;
      u: number;
      pl: string;
      st: OrderStatus;
      tot: string;
      ref: string;
      ch: string | null;
      pf: string | null;
      cp: string | null;
      ca: string | null;
      cnt: boolean;
      pa: string | null;
    };
    const inserts: Row[] = [];
    const updates: Row[] = [];
    const itemsReplaced: string[] = [];
    const items: Array<{ o: string; l: number; u: number; p: string; q: number; pr: string }> = [];
    const paidEvents: ValidEvent[] = [];
    const paidEventOwners: number[] = [];
    const touches = new Map<number, ProfileTouch>();
    let duplicates = 0;
    for (const order of wave) {
      const before = byId.get(order.orderId) ?? null;
      const userId = before ? before.userId : resolution!.userIds[freshIndex.get(order)!];
      const plan = planOrder(before, order, now);
      if (plan.write === "unchanged") {
        duplicates++;
        continue;
      }
      const row: Row = {
        id: order.orderId,
        u: userId,
        pl: plan.placedAt.toISOString(),
        st: plan.status,
        tot: plan.totalAmount.toFixed(2),
        ref: plan.refundedAmount.toFixed(2),
        ch: order.channel,
        pf: order.platform,
        cp: order.couponCode,
        ca: order.campaignId,
        cnt: plan.counted,
        pa: plan.paidAt?.toISOString() ?? null,
      };
      affected.add(userId);
      if (plan.write === "update") updates.push(row);
      else {
        inserts.push(row);
        // A profile created for this order already starts with the order's time as its seen range.
        if (!resolution!.created.has(userId))
          touch(touches, userId, order.placedAt, order.placedAt, null, order.placedAt);
      }
      if (plan.replaceItems) itemsReplaced.push(order.orderId);
      if (plan.writeItems)
        order.items!.forEach((item, line) => {
          items.push({
            o: order.orderId,
            l: line + 1,
            u: userId,
            p: item.productId,
            q: item.quantity,
            pr: item.unitPrice.toFixed(2),
          });
        });
      if (plan.paidAt) {
        paidEvents.push({
          index: -1,
          messageId: orderPaidMessageId(order.orderId),
          name: ORDER_PAID_EVENT,
          ts: plan.paidAt,
          userId: null,
          anonymousId: order.anonymousId,
          sessionId: null,
          channel: order.channel,
          platform: order.platform,
          utmSource: null,
          utmMedium: null,
          utmCampaign: null,
          properties: {
            order_id: order.orderId,
            total_amount: order.totalAmount,
            coupon_code: order.couponCode,
            campaign_id: order.campaignId,
          },
          traits: null,
        });
        paidEventOwners.push(userId);
      }
    }
    const recordset = sql`as x(id text, u bigint, pl timestamptz, st text, tot numeric, ref numeric, ch text,
      pf text, cp text, ca text, cnt boolean, pa timestamptz)`;
    // User-day rollups: the stored orders about to change leave them (their rows are locked), and
    // every order written re-enters them with its new status, amounts and items below.
    const rolledUp = (rows: Row[]) => orderIdIn(JSON.stringify(rows.map((row) => row.id)));
    if (updates.length) await tx.query(orderRollupDelta(rolledUp(updates), -1));
    if (inserts.length) {
      await tx.query(sql`
        insert into orders (order_id, user_id, placed_at, status, total_amount, refunded_amount, channel,
          platform, coupon_code, campaign_id, counted, paid_at)
        select x.id, x.u, x.pl, x.st, x.tot, x.ref, x.ch, x.pf, x.cp, x.ca, x.cnt, x.pa
        from json_to_recordset(${JSON.stringify(inserts)}::json) ${recordset}`);
    }
    if (updates.length) {
      await tx.query(sql`
        update orders o set status = x.st, total_amount = x.tot, refunded_amount = x.ref, counted = x.cnt,
          paid_at = coalesce(o.paid_at, x.pa), updated_at = now()
        from json_to_recordset(${JSON.stringify(updates)}::json) ${recordset}
        where o.order_id = x.id and o.user_id = x.u`);
    }
    if (itemsReplaced.length) {
      await tx.query(sql`
        delete from order_items where order_id in (select json_array_elements_text(${JSON.stringify(itemsReplaced)}::json))`);
    }
    if (items.length) {
      await tx.query(sql`
        insert into order_items (order_id, line_no, user_id, product_id, quantity, unit_price)
        select x.o, x.l, x.u, x.p, x.q, x.pr
        from json_to_recordset(${JSON.stringify(items)}::json)
          as x(o text, l int, u bigint, p text, q int, pr numeric)`);
    }
    if (inserts.length || updates.length)
      await tx.query(orderRollupDelta(rolledUp([...inserts, ...updates]), 1));
    if (paidEvents.length) {
      await this.insertEvents(tx, paidEvents, paidEventOwners);
      await tx.query(
        enqueueEventTriggers(
          paidEvents.map((event) => event.messageId),
          this.audiences?.sendTime,
        ),
      );
    }
    await this.touchProfiles(tx, touches);
    if (resolution) await this.writeAudits(tx, resolution, options);
    return { accepted: inserts.length, updated: updates.length, duplicates };
  }

  /**
   * Widens each profile's seen range and sets traits whose new value is at least as recent
   * as the stored one (and differs from it), in one statement. Returns the profiles changed.
   */
  private async touchProfiles(tx: Database, touches: Map<number, ProfileTouch>): Promise<Set<number>> {
    // Sorted by id: concurrent batches lock profiles in the same order (no deadlocks).
    // Events mostly carry no traits: for those rows the trait subqueries are skipped.
    const rows = [...touches]
      .sort((a, b) => a[0] - b[0])
      .filter(([, t]) => t.first || t.last || t.traits.size > 0);
    if (rows.length === 0) return new Set();
    // One array per column (a JSON record per profile cost three times as much to read). No
    // bound is ±infinity, which least/greatest never pick; no traits is '{}'.
    const traitsOf = (t: ProfileTouch, part: (trait: { value: unknown; at: Date }) => unknown) =>
      t.traits.size === 0
        ? "{}"
        : JSON.stringify(Object.fromEntries([...t.traits].map(([key, trait]) => [key, part(trait)])));
    const ids = bigintArray(rows.map(([id]) => id));
    const first = textArray(rows.map(([, t]) => t.first?.toISOString() ?? "infinity"));
    const last = textArray(rows.map(([, t]) => t.last?.toISOString() ?? "-infinity"));
    // Events rarely carry traits: then the server makes the arrays of '{}' itself.
    const anyTraits = rows.some(([, t]) => t.traits.size > 0);
    const noTraits = sql`array_fill('{}'::jsonb, array[${rows.length}::int])`;
    const values = anyTraits
      ? sql`${textArray(rows.map(([, t]) => traitsOf(t, (trait) => trait.value)))}::jsonb[]`
      : noTraits;
    const times = anyTraits
      ? sql`${textArray(rows.map(([, t]) => traitsOf(t, (trait) => trait.at.toISOString())))}::jsonb[]`
      : noTraits;
    // Trait times are compared as text: every one is written by Node's toISOString (fixed-width
    // UTC, so string order is time order), and a cast to timestamptz (not immutable) inside
    // `case` is refused by Citus in a multi-shard update.
    const newer = sql`coalesce(u.traits_updated_at->>t.key, '') <= (x.at->>t.key)
      and (u.traits->t.key) is distinct from t.value`;
    const changed = await tx.query<{ id: number }>(sql`
      update users u set
        first_seen_at = least(u.first_seen_at, x.f),
        last_seen_at = greatest(u.last_seen_at, x.l),
        traits = case when x.tr = '{}' then u.traits else u.traits
          || coalesce((select jsonb_object_agg(t.key, t.value) from jsonb_each(x.tr) t where ${newer}), '{}') end,
        traits_updated_at = case when x.tr = '{}' then u.traits_updated_at else u.traits_updated_at
          || coalesce((select jsonb_object_agg(t.key, x.at->t.key) from jsonb_each(x.tr) t where ${newer}), '{}') end
      from unnest(${ids}, ${first}::timestamptz[], ${last}::timestamptz[], ${values}, ${times})
        as x(id, f, l, tr, at)
      where u.id = x.id and (u.first_seen_at > x.f or u.last_seen_at < x.l
        or (x.tr <> '{}' and exists (select 1 from jsonb_each(x.tr) t where ${newer})))
      returning u.id`);
    return new Set(changed.map((row) => row.id));
  }

  private async writeAudits(tx: Database, resolution: Resolution, options: IngestOptions): Promise<void> {
    for (const entry of resolution.audits)
      await recordAudit(tx, {
        ...entry,
        actor: options.actor ?? entry.actor,
        requestId: options.requestId ?? null,
      });
  }

  /**
   * Runs a batch in one transaction, again from the start (`RACE_RETRY_POLICY`) if it lost a race.
   * `fn` adds the profiles whose facts or traits it wrote to `affected`; once the transaction
   * has committed, the real-time definitions are re-evaluated for them before the call returns.
   * That runs after the commit, not inside it: a batch never waits for the refresh lock while
   * holding profile locks, so ingestion and refreshes cannot deadlock. The transaction writes
   * its users to `realtime_pending` (`intend`), which the evaluation clears: a process dying in
   * between, or an evaluation that fails, leaves them to the delivery worker.
   */
  private async withRetry<T>(
    fn: (tx: Database, affected: Set<number>) => Promise<T>,
    options: IngestOptions,
  ): Promise<T> {
    const audiences = options.realtime === false ? undefined : this.audiences;
    let affected = new Set<number>();
    let intent: Intent | null = null;
    const result = await backOff(
      () =>
        this.db.transaction(async (tx) => {
          affected = new Set();
          // A batch's statements are short, but one reading a list of 10,000 message ids is
          // estimated at millions of rows: JIT-compiling it took longer than running it.
          await tx.query(
            options.asyncCommit
              ? sql`select set_config('jit', 'off', true), set_config('synchronous_commit', 'off', true)`
              : sql`select set_config('jit', 'off', true)`,
          );
          const written = await fn(tx, affected);
          intent = audiences ? await audiences.intend(tx, [...affected]) : null;
          return written;
        }),
      { ...RACE_RETRY_POLICY, retry: isRetryable },
    );
    if (audiences && affected.size > 0) {
      try {
        await audiences.afterIngest(affected, intent);
      } catch (error) {
        if (hasSqlState(error, LOCK_NOT_AVAILABLE))
          logger.warn(
            { users: affected.size },
            "real-time audiences skipped a batch: a full refresh holds the lock; its users are queued for the delivery worker",
          );
        else
          logger.error(
            { err: error },
            "real-time audiences failed after a batch; its users are queued for the delivery worker",
          );
      }
    }
    return result;
  }
}

function checkBatch(items: readonly unknown[], name: string, limit = MAX_BATCH_SIZE): void {
  if (!Array.isArray(items)) throw badInput(`${name} must be a list`, { argument: name });
  if (items.length > limit)
    throw limitExceeded(`A batch holds at most ${limit} ${name}; got ${items.length}`, {
      argument: name,
      limit,
    });
}

function touch(
  touches: Map<number, ProfileTouch>,
  userId: number,
  first: Date | null,
  last: Date | null,
  traits: Record<string, unknown> | null,
  traitsAt: Date,
): void {
  const entry = touches.get(userId) ?? { first: null, last: null, traits: new Map() };
  if (first && (!entry.first || first < entry.first)) entry.first = first;
  if (last && (!entry.last || last > entry.last)) entry.last = last;
  for (const [key, value] of Object.entries(traits ?? {})) {
    const current = entry.traits.get(key);
    if (!current || current.at <= traitsAt) entry.traits.set(key, { value, at: traitsAt });
  }
  touches.set(userId, entry);
}

/** SQLSTATE 55P03: a lock wait ran past `lock_timeout`. */
const LOCK_NOT_AVAILABLE = "55P03";

/** A batch lost a race (`lostRace`) or a new identity was linked concurrently. */
function isRetryable(error: unknown): boolean {
  for (let e: any = error; e; e = e.cause) if (e instanceof IdentityRaceError) return true;
  return lostRace(error);
}

/** An event's values in `EVENT_WRITE_COLUMNS` order, owned by the resolved profile `userId`. */
function eventRow(event: ValidEvent, userId: number): unknown[] {
  return EVENT_WRITE_COLUMNS.map((column) => (column.key === "userId" ? userId : event[column.key]));
}
