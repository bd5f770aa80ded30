import { badInput } from "../errors";
import type { EventInput, IdentifyInput, OrderInput, ProductInput } from "../ingest/contract";
import {
  buildCatalog,
  CATEGORIES,
  type Channel,
  CITIES,
  COUPONS,
  type Coupon,
  DEVICE_KINDS,
  type DeviceKind,
  DIRECT_WEIGHT,
  EMAIL_DOMAINS,
  GIVEN_NAMES,
  PHONE_PREFIXES,
  type Product,
  SURNAMES,
  TRAFFIC_SOURCES,
  toProductInput,
} from "./catalog";
import { Random, scramble32, streamSeed, sum } from "./random";

/**
 * The demo shop as a deterministic, day-ordered stream of ingestion inputs.
 *
 * `users` people live in the shop. About a third are customers from before the window
 * (registered, some on a repurchase cycle); the rest arrive one by one, browse
 * anonymously on a device, and may register later (identify: user id + device id +
 * phone/email + traits). A quarter get a second device that browses anonymously before
 * they log in on it, which is where profile merges come from. People go dormant after
 * a random number of days (one-day visitors bounce at once); buyers stay longer.
 *
 * A session walks app_open/page_view → search → product_view (dwell_ms) → add_to_cart
 * → checkout_start → order. Short views (< 15 s) rarely lead to the cart. Purchases
 * are paid orders; ingestion writes their `order_paid` event. Unpaid orders are
 * cancelled a day later; paid orders ship, complete or are refunded on later days.
 *
 * Every (person, day) draws from its own random stream, so the same seed gives the
 * same shop, and only the people (not the events) are held in memory.
 */

export const DAY_MS = 86_400_000;
/** Views shorter than this are skims: they convert markedly worse. */
export const ENGAGED_DWELL_MS = 15_000;

export interface ShopOptions {
  users: number;
  days: number;
  seed: number;
  /** Exclusive end of the generated period; floored to midnight UTC. Default: today, midnight UTC. */
  end?: Date;
}

export interface ResolvedShopOptions {
  users: number;
  days: number;
  seed: number;
  start: Date;
  end: Date;
}

/** One simulated day, in the order ingestion must see it: identities, then behaviour, then orders. */
export interface ShopDay {
  day: number;
  date: Date;
  identifies: IdentifyInput[];
  events: EventInput[];
  /** New orders placed this day, then status updates of earlier orders that fall on it. */
  orders: OrderInput[];
}

export interface DemoShop {
  options: ResolvedShopOptions;
  products: ProductInput[];
  days(): Generator<ShopDay>;
}

export const SHOP_LIMITS = { maxUsers: 10_000_000, maxDays: 3_650 } as const;

export function midnightUtc(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

export function resolveShopOptions(options: ShopOptions, now: Date = new Date()): ResolvedShopOptions {
  const { users, days, seed } = options;
  if (!Number.isInteger(users) || users < 1 || users > SHOP_LIMITS.maxUsers) {
    throw badInput(`users must be an integer from 1 to ${SHOP_LIMITS.maxUsers}`, { argument: "users" });
  }
  if (!Number.isInteger(days) || days < 1 || days > SHOP_LIMITS.maxDays) {
    throw badInput(`days must be an integer from 1 to ${SHOP_LIMITS.maxDays}`, { argument: "days" });
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw badInput("seed must be an integer from 0 to 4294967295", { argument: "seed" });
  }
  const endInput = options.end ?? now;
  if (!(endInput instanceof Date) || Number.isNaN(endInput.getTime())) {
    throw badInput("end must be a valid date", { argument: "end" });
  }
  const end = midnightUtc(endInput);
  return { users, days, seed, end, start: new Date(end.getTime() - days * DAY_MS) };
}

export function generateShop(options: ShopOptions): DemoShop {
  const resolved = resolveShopOptions(options);
  const catalog = buildCatalog(resolved.seed);
  return {
    options: resolved,
    products: catalog.map(toProductInput),
    days: () => simulate(resolved, catalog),
  };
}

// Stream names: each kind of draw gets its own stream per person (and day).
const PERSON_STREAM = 1;
const TRAITS_STREAM = 2;
const DAY_STREAM = 3;
const OPENID_STREAM = 4;

interface Device {
  anonymousId: string;
  kind: DeviceKind;
  /** Events carry the user id once the person logged in on this device. */
  loggedIn: boolean;
}

interface Person {
  index: number;
  userId: string;
  /** A customer from before the window: registered, logged in on their device. */
  existing: boolean;
  arrivalDay: number;
  /** First day with no more visits (dormant / churned). */
  dormantDay: number;
  visitRate: number;
  /** Multiplies the chance that a session is a shopping (intent) session. */
  intent: number;
  /** Median days between purchases for people on a repurchase cycle; 0 = none. */
  repeatGapDays: number;
  /** From this day on, the next purchase is due (visits and intent rise). */
  nextDueDay: number;
  favouriteCategory: number;
  devices: Device[];
  secondDeviceDay: number;
  registered: boolean;
  /** Traits and contact identities sent (at registration, or at an existing customer's first visit). */
  profileSent: boolean;
}

/** Shanghai-local hour weights (00–23): lunch and evening peaks. */
const LOCAL_HOUR_WEIGHTS = [
  2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 4, 5, 5.5, 6, 7, 6, 5, 5, 5, 5, 6, 7, 8.5, 9, 7, 4,
];
const SHANGHAI_OFFSET_HOURS = 8;
/** Sessions start by 22:00 UTC so that a session never runs into the next day. */
const UTC_START_HOURS = 22;
const UTC_HOUR_WEIGHTS = Array.from(
  { length: UTC_START_HOURS },
  (_, hour) => LOCAL_HOUR_WEIGHTS[(hour + SHANGHAI_OFFSET_HOURS) % 24],
);

const CATEGORY_WEIGHTS = CATEGORIES.map((category) => category.weight);
const DEVICE_WEIGHTS = DEVICE_KINDS.map((kind) => kind.weight);
const SOURCE_WEIGHTS: Record<Channel, number[]> = {
  app: TRAFFIC_SOURCES.map((source) => source.weights.app),
  web: TRAFFIC_SOURCES.map((source) => source.weights.web),
  mini_program: TRAFFIC_SOURCES.map((source) => source.weights.mini_program),
};
const LANDING_PAGES = ["/", "/promo/flash-sale", "/category", "/new-arrivals", "/member"];

/** The funnel's knobs, in one place. */
const FUNNEL = {
  existingShare: 0.35,
  bounceShare: 0.4,
  secondDeviceShare: 0.25,
  /** Chance per visit that an unregistered visitor registers (first visit, later visits). */
  registerOnArrival: 0.2,
  registerLater: 0.15,
  /** Chance per session that a registered person logs in on a device not logged in yet. */
  loginOnDevice: 0.3,
  /** Chance that a session is a shopping session, times the person's intent. */
  intentSession: 0.006,
  dueIntentSession: 0.22,
  dueVisitRate: 0.2,
  addToCart: { intent: { engaged: 0.45, skim: 0.06 }, browse: { engaged: 0.06, skim: 0.012 } },
  checkout: { intent: 0.75, browse: 0.2 },
  pay: { intent: 0.85, browse: 0.6 },
  /** Of checkouts not paid: the share that leave an unpaid order (cancelled a day later). */
  unpaidOrder: 0.5,
  refund: 0.06,
} as const;

function* simulate(options: ResolvedShopOptions, catalog: Product[]): Generator<ShopDay> {
  const { seed, days, users } = options;
  const productsByCategory = CATEGORIES.map((_, index) => catalog.filter((p) => p.categoryIndex === index));
  const productWeights = productsByCategory.map((products) => products.map((p) => p.weight));
  const people: Person[] = [];
  for (let index = 0; index < users; index++) people.push(createPerson(seed, days, index));
  /** Order status updates by the day they happen on (only orders still in their life cycle). */
  const pendingUpdates = new Map<number, OrderInput[]>();

  const schedule = (at: number, order: OrderInput) => {
    if (at >= options.end.getTime()) return;
    const updateDay = Math.floor((at - options.start.getTime()) / DAY_MS);
    const list = pendingUpdates.get(updateDay) ?? [];
    list.push(order);
    pendingUpdates.set(updateDay, list);
  };

  for (let day = 0; day < days; day++) {
    const dayStart = options.start.getTime() + day * DAY_MS;
    const out: ShopDay = { day, date: new Date(dayStart), identifies: [], events: [], orders: [] };
    for (const person of people) {
      if (day < person.arrivalDay || day >= person.dormantDay) continue;
      const rng = new Random(streamSeed(seed, DAY_STREAM, person.index, day));
      const arriving = !person.existing && day === person.arrivalDay;
      const due = person.nextDueDay <= day;
      const visitRate = arriving
        ? 1
        : due
          ? Math.max(person.visitRate, FUNNEL.dueVisitRate)
          : person.visitRate;
      if (!rng.chance(visitRate)) continue;
      const sessions = rng.chance(0.12) ? 2 : 1;
      const starts = Array.from({ length: sessions }, () => sessionStart(rng, dayStart)).sort(
        (a, b) => a - b,
      );
      const day36 = day.toString(36);
      const context: DayContext = {
        options,
        day,
        rng,
        out,
        schedule,
        catalog: { productsByCategory, productWeights },
        messagePrefix: `${seed}-${person.index.toString(36)}-${day36}-`,
        sequence: 0,
      };
      starts.forEach((start, sessionNo) => {
        simulateSession(context, person, start, sessionNo, arriving && sessionNo === 0);
      });
    }
    const updates = pendingUpdates.get(day);
    if (updates) {
      out.orders.push(...updates);
      pendingUpdates.delete(day);
    }
    yield out;
  }
}

function createPerson(seed: number, days: number, index: number): Person {
  const rng = new Random(streamSeed(seed, PERSON_STREAM, index));
  const existing = rng.chance(FUNNEL.existingShare);
  const arrivalDay = existing ? 0 : rng.int(0, days);
  const bounces = !existing && rng.chance(FUNNEL.bounceShare);
  const lifetime = bounces ? 1 : 1 + rng.geometric(existing ? 0.008 : 0.025);
  const repeatGapDays = rng.chance(existing ? 0.35 : 0.25) ? Math.max(5, rng.logNormal(21, 0.35)) : 0;
  const devices = [createDevice(rng, index, 0, rng.weightedIndex(DEVICE_WEIGHTS))];
  let secondDeviceDay = Number.POSITIVE_INFINITY;
  if (!bounces && rng.chance(FUNNEL.secondDeviceShare)) {
    const firstChannel = devices[0].kind.channel;
    const otherKinds = DEVICE_KINDS.map((kind) => (kind.channel === firstChannel ? 0 : kind.weight));
    devices.push(createDevice(rng, index, 1, rng.weightedIndex(otherKinds)));
    secondDeviceDay = arrivalDay + 1 + rng.geometric(0.08);
  }
  devices[0].loggedIn = existing;
  return {
    index,
    userId: `C${String(index + 1).padStart(7, "0")}`,
    existing,
    arrivalDay,
    dormantDay: arrivalDay + lifetime,
    visitRate: Math.min(0.6, Math.max(0.01, rng.logNormal(existing ? 0.12 : 0.08, 0.7))),
    intent: rng.logNormal(1, 0.6),
    repeatGapDays,
    nextDueDay:
      existing && repeatGapDays > 0
        ? rng.int(-Math.ceil(repeatGapDays / 2), Math.ceil(repeatGapDays))
        : Infinity,
    favouriteCategory: rng.weightedIndex(CATEGORY_WEIGHTS),
    devices,
    secondDeviceDay,
    registered: existing,
    profileSent: false,
  };
}

function createDevice(rng: Random, personIndex: number, deviceNo: number, kindIndex: number): Device {
  // The 8 hex digits in the last group are a bijection of (person, device): never a collision.
  const unique = scramble32(personIndex * 2 + deviceNo)
    .toString(16)
    .padStart(8, "0");
  const variant = "89ab"[rng.int(0, 4)];
  const anonymousId = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${variant}${rng.hex(3)}-${unique}${rng.hex(4)}`;
  return { anonymousId, kind: DEVICE_KINDS[kindIndex], loggedIn: false };
}

interface DayContext {
  options: ResolvedShopOptions;
  day: number;
  rng: Random;
  out: ShopDay;
  schedule: (at: number, order: OrderInput) => void;
  catalog: { productsByCategory: Product[][]; productWeights: number[][] };
  messagePrefix: string;
  sequence: number;
}

function sessionStart(rng: Random, dayStart: number): number {
  const hour = rng.weightedIndex(UTC_HOUR_WEIGHTS);
  return dayStart + hour * 3_600_000 + rng.int(0, 3_600_000);
}

interface Utm {
  source: string;
  medium: string;
  campaign: string;
}

function pickUtm(rng: Random, channel: Channel): Utm | null {
  const weights = SOURCE_WEIGHTS[channel];
  const total = sum(weights);
  if (rng.next() * (total + DIRECT_WEIGHT[channel]) >= total) return null;
  const source = TRAFFIC_SOURCES[rng.weightedIndex(weights, total)];
  return { source: source.source, medium: source.medium, campaign: rng.pick(source.campaigns) };
}

function simulateSession(
  context: DayContext,
  person: Person,
  startMs: number,
  sessionNo: number,
  arriving: boolean,
): void {
  const { rng, out, day } = context;
  const useSecond = person.devices.length > 1 && day >= person.secondDeviceDay && rng.chance(0.45);
  const device = person.devices[useSecond ? 1 : 0];
  const channel = device.kind.channel;
  const utm = pickUtm(rng, channel);
  const due = person.nextDueDay <= day;
  const shopping = rng.chance(due ? FUNNEL.dueIntentSession : FUNNEL.intentSession * person.intent);
  const sessionId = `s${context.options.seed}-${person.index.toString(36)}-${day.toString(36)}-${sessionNo}`;
  let clock = startMs;

  const login = (at: number) => {
    if (!person.profileSent) {
      out.identifies.push(profileIdentify(context.options.seed, person, device, at));
      person.registered = true;
      person.profileSent = true;
    } else {
      out.identifies.push({
        userId: person.userId,
        anonymousId: device.anonymousId,
        timestamp: new Date(at),
      });
    }
    device.loggedIn = true;
  };
  if (device.loggedIn && !person.profileSent) login(clock);
  else if (!person.registered && rng.chance(arriving ? FUNNEL.registerOnArrival : FUNNEL.registerLater)) {
    login(clock);
  } else if (person.registered && !device.loggedIn && rng.chance(FUNNEL.loginOnDevice)) login(clock);

  const track = (event: string, properties: Record<string, unknown>) => {
    clock += rng.int(2_000, 20_000);
    context.sequence += 1;
    out.events.push({
      messageId: context.messagePrefix + context.sequence,
      event,
      timestamp: new Date(clock),
      userId: device.loggedIn ? person.userId : null,
      anonymousId: device.anonymousId,
      sessionId,
      channel,
      platform: device.kind.platform,
      utm,
      properties,
    });
  };

  if (channel === "app") track("app_open", {});
  track("page_view", { url: channel === "app" ? "/" : rng.pick(LANDING_PAGES) });

  const favourite = CATEGORIES[person.favouriteCategory];
  if (rng.chance(shopping ? 0.5 : 0.25)) {
    const query = rng.chance(0.5) ? rng.pick(favourite.nouns) : rng.pick(favourite.brands);
    track("search", { query, results: rng.int(0, 80) });
  }
  let coupon: Coupon | null = null;
  if (rng.chance(shopping ? 0.2 : 0.05)) {
    coupon = rng.pick(COUPONS);
    track("coupon_claim", { coupon_code: coupon.code, discount: coupon.discount });
  }

  const cart: { product: Product; quantity: number }[] = [];
  const views = Math.min(12, shopping ? 2 + rng.geometric(0.3) : 1 + rng.geometric(0.55));
  for (let view = 0; view < views; view++) {
    const categoryIndex = rng.chance(0.7) ? person.favouriteCategory : rng.weightedIndex(CATEGORY_WEIGHTS);
    const products = context.catalog.productsByCategory[categoryIndex];
    const product = products[rng.weightedIndex(context.catalog.productWeights[categoryIndex])];
    const engaged = rng.chance(shopping ? 0.75 : 0.5);
    const dwellMs = engaged
      ? ENGAGED_DWELL_MS + Math.round(rng.logNormal(25_000, 0.8))
      : rng.int(800, ENGAGED_DWELL_MS);
    track("product_view", {
      product_id: product.id,
      category: product.category,
      price: product.price,
      dwell_ms: dwellMs,
    });
    clock += dwellMs;
    const rates = shopping ? FUNNEL.addToCart.intent : FUNNEL.addToCart.browse;
    if (rng.chance(engaged ? rates.engaged : rates.skim)) {
      const quantity = rng.chance(0.85) ? 1 : rng.int(2, 4);
      cart.push({ product, quantity });
      track("add_to_cart", {
        product_id: product.id,
        category: product.category,
        price: product.price,
        quantity,
      });
    }
  }

  if (cart.length === 0 || !rng.chance(shopping ? FUNNEL.checkout.intent : FUNNEL.checkout.browse)) return;
  if (!device.loggedIn) login(clock + 1_000);
  const itemsValue = cart.reduce((total, line) => total + line.product.price * line.quantity, 0);
  track("checkout_start", { cart_value: round2(itemsValue), item_count: cart.length });
  const paid = rng.chance(shopping ? FUNNEL.pay.intent : FUNNEL.pay.browse);
  if (!paid && !rng.chance(FUNNEL.unpaidOrder)) return;

  clock += rng.int(20_000, 120_000);
  const discount = coupon && itemsValue >= coupon.minimumSpend ? coupon.discount : 0;
  const order: OrderInput = {
    orderId: `SO${context.options.seed}-${yyyymmdd(startMs)}-${person.index.toString(36)}-${sessionNo}`,
    userId: person.userId,
    placedAt: new Date(clock),
    status: paid ? "PAID" : "CREATED",
    totalAmount: round2(itemsValue - discount),
    refundedAmount: 0,
    channel,
    platform: device.kind.platform,
    couponCode: discount > 0 && coupon ? coupon.code : null,
    campaignId: utm?.campaign ?? null,
    items: cart.map((line) => ({
      productId: line.product.id,
      quantity: line.quantity,
      unitPrice: line.product.price,
    })),
  };
  out.orders.push(order);
  if (!paid) {
    context.schedule(clock + DAY_MS, { ...order, status: "CANCELLED" });
    return;
  }
  scheduleLifecycle(context, order, clock);
  afterPurchase(rng, person, day);
}

function scheduleLifecycle(context: DayContext, order: OrderInput, paidAt: number): void {
  const { rng } = context;
  const shippedAt = paidAt + rng.int(12, 48) * 3_600_000;
  context.schedule(shippedAt, { ...order, status: "SHIPPED" });
  if (rng.chance(FUNNEL.refund)) {
    const items = order.items ?? [];
    const line = items[rng.int(0, items.length)];
    const partial = items.length > 1 && rng.chance(0.5);
    const refundedAmount = partial
      ? Math.min(order.totalAmount, line.unitPrice * line.quantity)
      : order.totalAmount;
    const refundedAt = shippedAt + rng.int(2, 10) * DAY_MS;
    context.schedule(refundedAt, { ...order, status: "REFUNDED", refundedAmount: round2(refundedAmount) });
    return;
  }
  context.schedule(shippedAt + rng.int(3, 8) * DAY_MS, { ...order, status: "COMPLETED" });
}

/** A purchase keeps a buyer around longer and, on a repurchase cycle, sets the next due day. */
function afterPurchase(rng: Random, person: Person, day: number): void {
  person.nextDueDay =
    person.repeatGapDays > 0
      ? day + Math.max(3, Math.round(rng.logNormal(person.repeatGapDays, 0.45)))
      : Number.POSITIVE_INFINITY;
  person.dormantDay = Math.max(person.dormantDay, day + 1 + rng.geometric(0.012));
}

interface Profile {
  traits: Record<string, unknown>;
  identities: { type: string; value: string }[];
}

/** Who the person is: drawn from their own stream, so it never depends on when they register. */
function profileOf(seed: number, person: Person, signupChannel: Channel): Profile {
  const rng = new Random(streamSeed(seed, TRAITS_STREAM, person.index));
  const gender = rng.chance(0.58) ? "female" : "male";
  const given = GIVEN_NAMES[gender];
  const name = rng.pick(SURNAMES) + rng.pick(given) + (rng.chance(0.6) ? rng.pick(given) : "");
  const city = CITIES[rng.weightedIndex(CITIES.map((c) => c.weight))];
  const birthYear = 1996 - Math.round(rng.normal() * 8) + (gender === "female" ? 1 : 0);
  const traits: Record<string, unknown> = {
    name,
    gender,
    birth_year: Math.min(2008, Math.max(1955, birthYear)),
    city: city.city,
    province: city.province,
    region: city.region,
    signup_channel: signupChannel,
  };
  // Linear maps with a multiplier coprime to the modulus are bijections: unique contacts.
  const phoneDigits = String((person.index * 7_919 + 12_345_678) % 100_000_000).padStart(8, "0");
  const identities = [];
  if (rng.chance(0.9)) identities.push({ type: "phone", value: rng.pick(PHONE_PREFIXES) + phoneDigits });
  if (rng.chance(0.45)) {
    const domain = rng.pick(EMAIL_DOMAINS);
    const local =
      domain === "qq.com"
        ? String(100_000_000 + ((person.index * 48_271 + 777) % 900_000_000))
        : `shopper${person.index + 1}`;
    identities.push({ type: "email", value: `${local}@${domain}` });
  }
  return { traits, identities };
}

/**
 * A registration (new shopper) or an existing customer's first login in the window:
 * user id + this device's anonymous id + contact identities + traits.
 */
function profileIdentify(seed: number, person: Person, device: Device, at: number): IdentifyInput {
  const signupChannel = person.existing ? person.devices[0].kind.channel : device.kind.channel;
  const profile = profileOf(seed, person, signupChannel);
  const identities = [...profile.identities];
  if (device.kind.platform === "wechat") {
    const openIdTail = new Random(streamSeed(seed, OPENID_STREAM, person.index)).hex(19);
    identities.push({
      type: "wechat_openid",
      value: `o${scramble32(person.index).toString(16).padStart(8, "0")}${openIdTail}`,
    });
  }
  return {
    userId: person.userId,
    anonymousId: device.anonymousId,
    identities,
    traits: profile.traits,
    timestamp: new Date(at),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function yyyymmdd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll("-", "");
}
