import { once } from "node:events";
import { stringify } from "csv-stringify";
import type { RequestHandler } from "express";
import { canSeePii } from "../../access/pii";
import { ErrorCode, StratumError } from "../../errors";
import { logger } from "../../logger";
import { sendError } from "../http-errors";
import type { Services } from "../services";
import { csvBom } from "./csv-options";

const BATCH = 1000;

/**
 * `GET /export/segments/:key.csv` — a segment's current members as CSV, streamed in
 * keyset batches (constant memory). Mount it behind `requirePermission(services, "read")`;
 * identity values and PII traits are masked for roles without read_pii.
 * Columns: user_id, entered_at, first_seen_at, last_seen_at, identities (`type:value;…`), traits (JSON).
 * `?bom=1` starts the file with a UTF-8 byte order mark (for Excel).
 */
export function segmentCsvHandler(services: Services): RequestHandler {
  return async (req, res) => {
    const key = String(req.params.key);
    const pii = canSeePii(res.locals.principal);
    try {
      const bom = csvBom(req.query as Record<string, unknown>);
      const segment = await services.segments.require(key);
      res.status(200);
      res.setHeader("content-type", "text/csv; charset=utf-8");
      res.setHeader("content-disposition", `attachment; filename="${encodeURIComponent(segment.key)}.csv"`);
      const csv = stringify({
        bom,
        header: true,
        columns: ["user_id", "entered_at", "first_seen_at", "last_seen_at", "identities", "traits"],
      });
      csv.pipe(res);
      let after = 0;
      for (;;) {
        const batch = await services.segments.memberBatch(key, after, BATCH);
        if (batch.length === 0) break;
        const identities = await services.users.identitiesOf(batch.map((member) => member.id));
        batch.forEach((member, i) => {
          csv.write([
            member.id,
            member.enteredAt.toISOString(),
            member.firstSeenAt.toISOString(),
            member.lastSeenAt.toISOString(),
            identities[i]
              .map((id) => `${id.type}:${pii ? id.value : services.pii.maskIdentityValue(id.type, id.value)}`)
              .join(";"),
            JSON.stringify(pii ? member.traits : services.pii.maskTraits(member.traits)),
          ]);
        });
        after = batch[batch.length - 1].id;
        if (batch.length < BATCH) break;
        if (res.writableNeedDrain) await once(res, "drain");
      }
      csv.end();
    } catch (error) {
      if (res.headersSent) {
        logger.error({ err: error, key }, "segment export failed mid-stream");
        res.destroy();
        return;
      }
      if (error instanceof StratumError) {
        sendError(res, error);
        return;
      }
      logger.error({ err: error, key }, "segment export failed");
      sendError(res, new StratumError(ErrorCode.INTERNAL, "Internal error"));
    }
  };
}
