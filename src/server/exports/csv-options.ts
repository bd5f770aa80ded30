import { badInput } from "../../errors";

/**
 * `bom=1` (or `true`): start the CSV with a UTF-8 byte order mark, which Excel needs to
 * read UTF-8 (城市 names, not mojibake); `0`, `false` or absent: no mark.
 */
export function csvBom(params: Record<string, unknown>): boolean {
  const value = params.bom;
  if (value === undefined) return false;
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw badInput("bom must be 1 or 0 (given once)", { argument: "bom" });
}
