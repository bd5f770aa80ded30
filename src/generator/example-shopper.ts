import type { EventInput, IdentifyInput, OrderInput } from "../ingest/contract";
import { buildCatalog, CATEGORIES, type Product } from "./catalog";
import { SEED_WRITES, type ShopIngest } from "./seed";
import { DAY_MS, type ResolvedShopOptions } from "./shop";

/**
 * One known shopper in the demo, so the README's examples have someone to look up: she
 * browses the WeChat mini program anonymously and logs in there with WeChat (openid and
 * unionid, no account yet), registers in the iOS app with her phone and e-mail, then logs
 * in to the app with WeChat — the unionid joins the two profiles into one. Her orders
 * (a phone among them) make her a repeat buyer and a VIP.
 *
 * Her contacts never collide with generated people: generated phones of the first
 * 10,000,000 people never end in 00138000 (the tail is a bijection of the person index),
 * generated e-mails are `shopperN@…` or digits, generated openids are lower-case hex.
 */
export const EXAMPLE_SHOPPER = {
  userId: "EXAMPLE-0001",
  phone: "13800138000",
  email: "lin.xiaomei@example.com",
  wechatOpenId: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
  wechatUnionId: "oEXAMPLEunionid_LinXiaomei01",
  miniProgramDevice: "example-device-mini-program",
  appDevice: "example-device-iphone",
  traits: {
    name: "林小美",
    gender: "female",
    birth_year: 1994,
    city: "上海",
    province: "上海",
    region: "华东",
    signup_channel: "app",
  },
} as const;

/** One ingestion call of her story, in the order ingestion must see them. */
export type ExampleCall =
  | { kind: "identify"; input: IdentifyInput }
  | { kind: "events"; input: EventInput[] }
  | { kind: "orders"; input: OrderInput[] };

type Device = "mini_program" | "app";
const DEVICES: Record<Device, { anonymousId: string; channel: string; platform: string }> = {
  mini_program: {
    anonymousId: EXAMPLE_SHOPPER.miniProgramDevice,
    channel: "mini_program",
    platform: "wechat",
  },
  app: { anonymousId: EXAMPLE_SHOPPER.appDevice, channel: "app", platform: "ios" },
};

/** A visit: days before the shop's end, UTC hour, device, whether she is logged in, what she views and buys. */
interface Visit {
  daysBeforeEnd: number;
  utcHour: number;
  device: Device;
  loggedIn: boolean;
  /** Category paths she views, in order; the first product of each (the most popular). */
  views: string[];
  /** Views she puts in the cart and buys, by index into `views`. */
  buys: number[];
  /** The identify call at the start of the visit (before any event of it). */
  identify?: (at: Date) => IdentifyInput;
}

const VISITS: Visit[] = [
  {
    daysBeforeEnd: 44,
    utcHour: 3,
    device: "mini_program",
    loggedIn: false,
    views: ["beauty/skincare", "beauty/skincare", "beauty/makeup"],
    buys: [],
  },
  {
    // WeChat login in the mini program: openid and unionid, no shop account yet.
    daysBeforeEnd: 42,
    utcHour: 12,
    device: "mini_program",
    loggedIn: false,
    views: ["beauty/skincare"],
    buys: [],
    identify: (at) => ({
      anonymousId: EXAMPLE_SHOPPER.miniProgramDevice,
      identities: [
        { type: "wechat_openid", value: EXAMPLE_SHOPPER.wechatOpenId },
        { type: "wechat_unionid", value: EXAMPLE_SHOPPER.wechatUnionId },
      ],
      timestamp: at,
    }),
  },
  {
    // Registers in the app with phone and e-mail (a second profile until the unionid joins them).
    daysBeforeEnd: 40,
    utcHour: 13,
    device: "app",
    loggedIn: true,
    views: ["beauty/skincare", "electronics/audio"],
    buys: [0],
    identify: (at) => ({
      userId: EXAMPLE_SHOPPER.userId,
      anonymousId: EXAMPLE_SHOPPER.appDevice,
      identities: [
        { type: "phone", value: EXAMPLE_SHOPPER.phone },
        { type: "email", value: EXAMPLE_SHOPPER.email },
      ],
      traits: EXAMPLE_SHOPPER.traits,
      timestamp: at,
    }),
  },
  {
    // Logs in to the app with WeChat: the unionid is the mini program profile's, which merges into hers.
    daysBeforeEnd: 33,
    utcHour: 12,
    device: "app",
    loggedIn: true,
    views: ["electronics/phones", "electronics/audio"],
    buys: [],
    identify: (at) => ({
      userId: EXAMPLE_SHOPPER.userId,
      identities: [{ type: "wechat_unionid", value: EXAMPLE_SHOPPER.wechatUnionId }],
      timestamp: at,
    }),
  },
  {
    daysBeforeEnd: 26,
    utcHour: 2,
    device: "mini_program",
    loggedIn: true,
    views: ["electronics/phones", "beauty/makeup"],
    buys: [0, 1],
  },
  {
    daysBeforeEnd: 12,
    utcHour: 11,
    device: "app",
    loggedIn: true,
    views: ["beauty/skincare", "food/snacks"],
    buys: [0, 1],
  },
  {
    daysBeforeEnd: 4,
    utcHour: 4,
    device: "mini_program",
    loggedIn: true,
    views: ["beauty/skincare", "apparel/women"],
    buys: [1],
  },
];

const HOUR_MS = 3_600_000;

/**
 * Her story as ingestion calls, relative to the shop's end (so it falls in the demo's
 * window, whatever day it is seeded): deterministic for the same options. Paid orders
 * ship the next day and complete four days after that when those days have come.
 */
export function exampleShopperCalls(options: ResolvedShopOptions): ExampleCall[] {
  const catalog = buildCatalog(options.seed);
  const topProduct = (path: string): Product => {
    const index = CATEGORIES.findIndex((category) => category.path === path);
    return catalog.filter((product) => product.categoryIndex === index)[0];
  };
  const calls: ExampleCall[] = [];
  const updates: Array<{ at: number; order: OrderInput }> = [];
  let message = 0;
  for (const visit of VISITS) {
    const device = DEVICES[visit.device];
    let clock = options.end.getTime() - visit.daysBeforeEnd * DAY_MS + visit.utcHour * HOUR_MS;
    if (visit.identify) calls.push({ kind: "identify", input: visit.identify(new Date(clock)) });
    const sessionId = `example-${visit.daysBeforeEnd}`;
    const events: EventInput[] = [];
    const track = (event: string, properties: Record<string, unknown>) => {
      clock += 30_000;
      message += 1;
      events.push({
        messageId: `example-${options.seed}-${message}`,
        event,
        timestamp: new Date(clock),
        userId: visit.loggedIn ? EXAMPLE_SHOPPER.userId : null,
        anonymousId: device.anonymousId,
        sessionId,
        channel: device.channel,
        platform: device.platform,
        properties,
      });
    };
    if (visit.device === "app") track("app_open", {});
    track("page_view", { url: "/" });
    const products = visit.views.map(topProduct);
    products.forEach((product, index) => {
      const properties = { product_id: product.id, category: product.category, price: product.price };
      track("product_view", { ...properties, dwell_ms: 45_000 });
      if (visit.buys.includes(index)) track("add_to_cart", { ...properties, quantity: 1 });
    });
    const cart = visit.buys.map((index) => products[index]);
    const orders: OrderInput[] = [];
    if (cart.length > 0) {
      const total = Math.round(cart.reduce((sum, product) => sum + product.price, 0) * 100) / 100;
      track("checkout_start", { cart_value: total, item_count: cart.length });
      clock += 60_000;
      const order: OrderInput = {
        orderId: `SO${options.seed}-EXAMPLE-${visit.daysBeforeEnd}`,
        userId: EXAMPLE_SHOPPER.userId,
        placedAt: new Date(clock),
        status: "PAID",
        totalAmount: total,
        channel: device.channel,
        platform: device.platform,
        items: cart.map((product) => ({ productId: product.id, quantity: 1, unitPrice: product.price })),
      };
      orders.push(order);
      updates.push({ at: clock + DAY_MS, order: { ...order, status: "SHIPPED" } });
      updates.push({ at: clock + 5 * DAY_MS, order: { ...order, status: "COMPLETED" } });
    }
    calls.push({ kind: "events", input: events });
    if (orders.length > 0) calls.push({ kind: "orders", input: orders });
  }
  const due = updates
    .filter((update) => update.at < options.end.getTime())
    .sort((a, b) => a.at - b.at)
    .map((update) => update.order);
  if (due.length > 0) calls.push({ kind: "orders", input: due });
  return calls;
}

/** Writes her story through ingestion, like the rest of the shop. */
export async function seedExampleShopper(ingest: ShopIngest, options: ResolvedShopOptions): Promise<void> {
  for (const call of exampleShopperCalls(options)) {
    if (call.kind === "identify") await ingest.identifyMany([call.input], SEED_WRITES);
    else if (call.kind === "events") await ingest.track(call.input, SEED_WRITES);
    else await ingest.recordOrders(call.input, SEED_WRITES);
  }
}
