import type { ProductInput } from "../ingest/contract";
import { Random, streamSeed } from "./random";

/**
 * The shop's reference data: categories, brands, cities, names, channels and traffic
 * sources. Plain tables, so the generator stays readable and the demo looks like a
 * mid-sized Chinese online shop.
 */

export interface Category {
  path: string;
  nouns: readonly string[];
  brands: readonly string[];
  /** Median list price (CNY) and its log-space spread. */
  medianPrice: number;
  priceSpread: number;
  /** Share of shoppers whose favourite category this is. */
  weight: number;
}

export const CATEGORIES: readonly Category[] = [
  {
    path: "beauty/skincare",
    nouns: ["面霜", "精华液", "爽肤水", "面膜", "防晒霜"],
    brands: ["珀莱雅", "薇诺娜", "自然堂", "兰蔻", "雅诗兰黛"],
    medianPrice: 199,
    priceSpread: 0.6,
    weight: 14,
  },
  {
    path: "beauty/makeup",
    nouns: ["口红", "粉底液", "眼影盘", "气垫"],
    brands: ["花西子", "完美日记", "毛戈平", "迪奥"],
    medianPrice: 159,
    priceSpread: 0.5,
    weight: 10,
  },
  {
    path: "apparel/women",
    nouns: ["连衣裙", "针织衫", "羽绒服", "阔腿裤"],
    brands: ["太平鸟", "优衣库", "ZARA", "波司登"],
    medianPrice: 259,
    priceSpread: 0.6,
    weight: 12,
  },
  {
    path: "apparel/men",
    nouns: ["T恤", "夹克", "休闲裤", "卫衣"],
    brands: ["海澜之家", "李宁", "安踏", "优衣库"],
    medianPrice: 199,
    priceSpread: 0.5,
    weight: 8,
  },
  {
    path: "electronics/phones",
    nouns: ["手机", "平板"],
    brands: ["小米", "华为", "OPPO", "vivo", "荣耀"],
    medianPrice: 2499,
    priceSpread: 0.45,
    weight: 5,
  },
  {
    path: "electronics/audio",
    nouns: ["蓝牙耳机", "音箱", "头戴耳机"],
    brands: ["漫步者", "华为", "小米", "索尼"],
    medianPrice: 399,
    priceSpread: 0.6,
    weight: 6,
  },
  {
    path: "home/kitchen",
    nouns: ["电饭煲", "空气炸锅", "保温杯", "破壁机"],
    brands: ["美的", "九阳", "苏泊尔", "小熊"],
    medianPrice: 299,
    priceSpread: 0.6,
    weight: 8,
  },
  {
    path: "home/bedding",
    nouns: ["四件套", "枕头", "蚕丝被"],
    brands: ["罗莱", "水星家纺", "富安娜"],
    medianPrice: 349,
    priceSpread: 0.5,
    weight: 5,
  },
  {
    path: "food/snacks",
    nouns: ["坚果礼盒", "牛肉干", "饼干", "果干"],
    brands: ["三只松鼠", "良品铺子", "百草味"],
    medianPrice: 59,
    priceSpread: 0.5,
    weight: 12,
  },
  {
    path: "food/drinks",
    nouns: ["茶叶", "咖啡豆", "纯牛奶", "矿泉水"],
    brands: ["农夫山泉", "三顿半", "伊利", "茶颜悦色"],
    medianPrice: 69,
    priceSpread: 0.5,
    weight: 8,
  },
  {
    path: "baby/diapers",
    nouns: ["纸尿裤", "拉拉裤", "湿巾"],
    brands: ["帮宝适", "花王", "好奇"],
    medianPrice: 129,
    priceSpread: 0.4,
    weight: 5,
  },
  {
    path: "baby/formula",
    nouns: ["婴儿奶粉", "米粉"],
    brands: ["飞鹤", "美赞臣", "爱他美"],
    medianPrice: 298,
    priceSpread: 0.35,
    weight: 3,
  },
  {
    path: "sports/outdoor",
    nouns: ["跑鞋", "冲锋衣", "瑜伽垫", "登山包"],
    brands: ["李宁", "安踏", "迪卡侬", "特步"],
    medianPrice: 299,
    priceSpread: 0.55,
    weight: 6,
  },
];

const VARIANTS = ["经典款", "升级款", "新款", "礼盒装", "旗舰版", "轻薄款", "家庭装", "限定版"];

export interface Product {
  id: string;
  name: string;
  category: string;
  categoryIndex: number;
  brand: string;
  price: number;
  /** Popularity inside its category (Zipf-like), so a few products sell most. */
  weight: number;
}

export const PRODUCTS_PER_CATEGORY = 24;

/** The catalogue; same seed, same products. */
export function buildCatalog(seed: number): Product[] {
  const products: Product[] = [];
  CATEGORIES.forEach((category, categoryIndex) => {
    const rng = new Random(streamSeed(seed, 0x0ca7, categoryIndex));
    for (let rank = 0; rank < PRODUCTS_PER_CATEGORY; rank++) {
      const brand = rng.pick(category.brands);
      const price = Math.max(
        9.9,
        Math.round(rng.logNormal(category.medianPrice, category.priceSpread)) - (rng.chance(0.6) ? 0.1 : 0),
      );
      products.push({
        id: `P${String(products.length + 1).padStart(5, "0")}`,
        name: `${brand} ${rng.pick(category.nouns)} ${rng.pick(VARIANTS)}`,
        category: category.path,
        categoryIndex,
        brand,
        price: Math.round(price * 100) / 100,
        weight: 1 / (rank + 1),
      });
    }
  });
  return products;
}

export function toProductInput(product: Product): ProductInput {
  return {
    productId: product.id,
    name: product.name,
    category: product.category,
    brand: product.brand,
    price: product.price,
  };
}

export interface City {
  city: string;
  province: string;
  region: string;
  weight: number;
}

export const CITIES: readonly City[] = [
  { city: "上海", province: "上海", region: "华东", weight: 10 },
  { city: "北京", province: "北京", region: "华北", weight: 10 },
  { city: "广州", province: "广东", region: "华南", weight: 8 },
  { city: "深圳", province: "广东", region: "华南", weight: 8 },
  { city: "杭州", province: "浙江", region: "华东", weight: 6 },
  { city: "成都", province: "四川", region: "西南", weight: 6 },
  { city: "重庆", province: "重庆", region: "西南", weight: 5 },
  { city: "武汉", province: "湖北", region: "华中", weight: 5 },
  { city: "南京", province: "江苏", region: "华东", weight: 5 },
  { city: "西安", province: "陕西", region: "西北", weight: 4 },
  { city: "苏州", province: "江苏", region: "华东", weight: 4 },
  { city: "天津", province: "天津", region: "华北", weight: 4 },
  { city: "长沙", province: "湖南", region: "华中", weight: 3 },
  { city: "郑州", province: "河南", region: "华中", weight: 3 },
  { city: "青岛", province: "山东", region: "华东", weight: 3 },
  { city: "沈阳", province: "辽宁", region: "东北", weight: 2 },
  { city: "大连", province: "辽宁", region: "东北", weight: 2 },
  { city: "哈尔滨", province: "黑龙江", region: "东北", weight: 2 },
  { city: "厦门", province: "福建", region: "华东", weight: 2 },
  { city: "福州", province: "福建", region: "华东", weight: 2 },
  { city: "昆明", province: "云南", region: "西南", weight: 2 },
  { city: "济南", province: "山东", region: "华东", weight: 2 },
  { city: "合肥", province: "安徽", region: "华东", weight: 2 },
  { city: "宁波", province: "浙江", region: "华东", weight: 2 },
  { city: "东莞", province: "广东", region: "华南", weight: 2 },
  { city: "南宁", province: "广西", region: "华南", weight: 1 },
  { city: "石家庄", province: "河北", region: "华北", weight: 1 },
  { city: "太原", province: "山西", region: "华北", weight: 1 },
  { city: "南昌", province: "江西", region: "华中", weight: 1 },
  { city: "贵阳", province: "贵州", region: "西南", weight: 1 },
  { city: "兰州", province: "甘肃", region: "西北", weight: 1 },
  { city: "乌鲁木齐", province: "新疆", region: "西北", weight: 1 },
];

export const SURNAMES = [
  "王",
  "李",
  "张",
  "刘",
  "陈",
  "杨",
  "黄",
  "赵",
  "吴",
  "周",
  "徐",
  "孙",
  "马",
  "朱",
  "胡",
  "郭",
  "何",
  "高",
  "林",
  "罗",
  "郑",
  "梁",
  "谢",
  "宋",
  "唐",
  "许",
  "韩",
  "冯",
  "邓",
  "曹",
  "彭",
  "曾",
  "肖",
  "田",
  "董",
  "袁",
  "潘",
  "蒋",
  "蔡",
  "余",
  "杜",
  "叶",
  "程",
  "苏",
  "魏",
  "吕",
  "丁",
  "沈",
];

export const GIVEN_NAMES = {
  female: ["芳", "娜", "敏", "静", "丽", "婷", "雪", "琳", "颖", "欣", "怡", "佳", "悦", "晴", "雨", "萱"],
  male: ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "浩", "鹏", "宇", "俊", "博", "晨"],
} as const;

export type Channel = "app" | "web" | "mini_program";

export interface DeviceKind {
  channel: Channel;
  platform: string;
  weight: number;
}

export const DEVICE_KINDS: readonly DeviceKind[] = [
  { channel: "app", platform: "ios", weight: 18 },
  { channel: "app", platform: "android", weight: 24 },
  { channel: "mini_program", platform: "wechat", weight: 26 },
  { channel: "mini_program", platform: "alipay", weight: 4 },
  { channel: "web", platform: "mobile_web", weight: 16 },
  { channel: "web", platform: "desktop", weight: 12 },
];

export interface TrafficSource {
  source: string;
  medium: string;
  campaigns: readonly string[];
  /** Weight per channel: where this source sends people. */
  weights: Record<Channel, number>;
}

/** Paid and owned sources; sessions with none of them are direct (no UTM). */
export const TRAFFIC_SOURCES: readonly TrafficSource[] = [
  {
    source: "baidu",
    medium: "cpc",
    campaigns: ["brand_search", "generic_search"],
    weights: { app: 0, web: 30, mini_program: 0 },
  },
  {
    source: "douyin",
    medium: "video",
    campaigns: ["livestream_weekly", "short_video_seeding"],
    weights: { app: 6, web: 14, mini_program: 8 },
  },
  {
    source: "xiaohongshu",
    medium: "social",
    campaigns: ["kol_seeding", "notes_ads"],
    weights: { app: 4, web: 12, mini_program: 4 },
  },
  {
    source: "wechat",
    medium: "social",
    campaigns: ["moments_ads", "group_share"],
    weights: { app: 0, web: 4, mini_program: 30 },
  },
  {
    source: "weibo",
    medium: "social",
    campaigns: ["hot_search"],
    weights: { app: 2, web: 6, mini_program: 0 },
  },
  {
    source: "push",
    medium: "push",
    campaigns: ["daily_deals", "cart_reminder"],
    weights: { app: 14, web: 0, mini_program: 0 },
  },
  {
    source: "sms",
    medium: "sms",
    campaigns: ["winback", "member_day"],
    weights: { app: 3, web: 4, mini_program: 3 },
  },
];

/** Share of sessions per channel that arrive without any UTM. */
export const DIRECT_WEIGHT: Record<Channel, number> = { app: 71, web: 30, mini_program: 55 };

export interface Coupon {
  code: string;
  discount: number;
  minimumSpend: number;
}

export const COUPONS: readonly Coupon[] = [
  { code: "NEW20", discount: 20, minimumSpend: 99 },
  { code: "FULL200-30", discount: 30, minimumSpend: 200 },
  { code: "MEMBER50", discount: 50, minimumSpend: 399 },
  { code: "FLASH10", discount: 10, minimumSpend: 59 },
];

export const EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"];
export const PHONE_PREFIXES = [
  "130",
  "133",
  "135",
  "136",
  "138",
  "139",
  "150",
  "151",
  "158",
  "159",
  "186",
  "188",
];
