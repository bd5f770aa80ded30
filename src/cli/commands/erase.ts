import type { Command } from "commander";
import { SYSTEM_PRINCIPAL } from "../../access/permissions";
import { loadConfig } from "../../config";
import { openRuntime } from "../../server/runtime";

/** `stratum erase <id>`: the right to erasure, as the `deleteUser` mutation does it. */
export function registerErase(program: Command): void {
  program
    .command("erase")
    .argument("<id>", "profile id (a merged-away id erases the person it was merged into)")
    .description("remove a person's PII and memberships; events and orders stay, anonymous")
    .action(async (id: string) => {
      const services = await openRuntime(loadConfig());
      try {
        const result = await services.erasure.erase(id, { name: SYSTEM_PRINCIPAL.name });
        console.log(
          result.changed
            ? `erased profile ${result.userId} (profiles ${result.profiles.join(", ")}): ` +
                `${result.identities} identities, ${result.profilesWithTraits} trait sets, ${result.events} events, ` +
                `${result.tagMemberships} tag and ${result.segmentMemberships} segment memberships, ` +
                `${result.auditEntries} audit entries`
            : `profile ${result.userId}: nothing left to erase`,
        );
      } finally {
        await services.db.close();
      }
    });
}
