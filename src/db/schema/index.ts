/** Every table of Stratum; drizzle-kit reads this file to generate `drizzle/`. */
export * from "./automation";
export * from "./campaigns";
export * from "./core";
export * from "./experiments";
export * from "./prediction";
export * from "./recommendations";
export * from "./rollups";
export * from "./tags";
