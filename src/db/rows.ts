/**
 * PGlite returns `{ rows, fields }`, postgres.js an array with `columns`; drizzle leaves
 * timestamps as text on both. This turns either into plain objects of one shape.
 */
const INT8 = 20;
const TIMESTAMP_OIDS = new Set([1114, 1184]);

type Column = { name: string; type: number };

function columnsOf(result: any): Column[] {
  if (Array.isArray(result?.fields))
    return result.fields.map((f: any) => ({ name: f.name, type: f.dataTypeID }));
  if (Array.isArray(result?.columns)) return result.columns.map((c: any) => ({ name: c.name, type: c.type }));
  return [];
}

export function parseTimestamp(text: string): Date {
  // "2026-01-01 10:00:00.123+08" → ISO 8601 that Date parses on every engine.
  const iso = text.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  return new Date(iso);
}

export function normaliseRows(result: unknown): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.isArray(result) ? result : ((result as any)?.rows ?? []);
  const columns = columnsOf(result);
  const int8 = columns.filter((c) => c.type === INT8).map((c) => c.name);
  const stamps = columns.filter((c) => TIMESTAMP_OIDS.has(c.type)).map((c) => c.name);
  if (int8.length === 0 && stamps.length === 0) return Array.isArray(result) ? [...rows] : rows;
  return rows.map((row) => {
    const out = { ...row };
    for (const name of int8) if (typeof out[name] === "string") out[name] = Number(out[name]);
    for (const name of stamps)
      if (typeof out[name] === "string") out[name] = parseTimestamp(out[name] as string);
    return out;
  });
}
