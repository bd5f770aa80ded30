import { compileMetricQuery } from "../src/semantic/metrics/compile";
import { compileSql, inlineParams } from "../src/semantic/sql";
const q = { metrics: [process.argv[2]], dimensions: process.argv[3] ? [{ key: process.argv[3] }] : [], grain: "DAY" as const, timezone: "Asia/Shanghai", range: { from: "2026-10-26", to: "2026-11-25" } };
const c = compileSql(compileMetricQuery(q, undefined, "Asia/Shanghai").statement);
console.log(inlineParams(c.sql, c.params));
