import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { buildStratumSchema } from "../../src/schema/build";

/**
 * Every element a growth analyst sees in the IDE's docs, named as the failure message lists
 * it: `Type`, `Type.field`, `Type.field(argument)`, `Enum.VALUE`, `Input.field`.
 */
function elementsWithoutDescription(): string[] {
  const missing: string[] = [];
  const check = (name: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(name);
  };
  const schema = buildStratumSchema();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
    check(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
        for (const argument of field.args) {
          check(`${type.name}.${field.name}(${argument.name})`, argument.description);
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        check(`${type.name}.${field.name}`, field.description);
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing;
}

/**
 * PENDING: the undescribed elements of tags and segments (src/schema/tags.ts,
 * src/schema/segments.ts, src/resolvers/tags.ts, src/resolvers/segments.ts), left to the
 * branch that is reworking those files. Remove this list once that work is merged; until
 * then the second test keeps it from naming anything that has a description already.
 */
const PENDING = new Set([
  // Tags, rules and refreshes
  "Tag",
  "Tag.key",
  "Tag.name",
  "Tag.description",
  "Tag.category",
  "Tag.kind",
  "Tag.status",
  "Tag.version",
  "Tag.createdAt",
  "Tag.updatedAt",
  "TagCategory",
  "TagCategory.BASIC",
  "TagCategory.BEHAVIOR",
  "TagCategory.TRANSACTION",
  "TagCategory.INTEREST",
  "TagCategory.TIER",
  "TagKind.RULE",
  "TagKind.VALUE",
  "TagKind.MANUAL",
  "DefinitionStatus",
  "DefinitionStatus.ACTIVE",
  "DefinitionStatus.ARCHIVED",
  "DefinitionVersion.version",
  "DefinitionVersion.rule",
  "DefinitionVersion.name",
  "DefinitionVersion.description",
  "DefinitionVersion.status",
  "DefinitionVersion.createdAt",
  "RulePreview.valid",
  "RulePreview.errors",
  "RulePreview.matchingUsers",
  "RulePreview.asOf",
  "RulePreview.sampleUsers(limit)",
  "RuleError",
  "RuleError.message",
  "RuleError.line",
  "RuleError.column",
  "UserTag.key",
  "UserTag.assignedAt",
  "CreateTagInput",
  "CreateTagInput.key",
  "CreateTagInput.name",
  "CreateTagInput.description",
  "CreateTagInput.category",
  "CreateTagInput.kind",
  "UpdateTagInput",
  "UpdateTagInput.name",
  "UpdateTagInput.description",
  "UpdateTagInput.category",
  "UpdateTagInput.rule",
  "RefreshResult",
  "RefreshResult.tags",
  "RefreshResult.segments",
  "RefreshItem.key",
  "RefreshItem.entered",
  "RefreshItem.exited",
  "RefreshItem.milliseconds",
  "RefreshFailure.key",
  "RefreshFailure.message",
  "Query.tags",
  "Query.tags(status)",
  "Query.tags(category)",
  "Query.tag",
  "Query.tag(key)",
  "Query.previewRule(asOf)",
  "Query.previewRule(rule)",
  "Mutation.createTag",
  "Mutation.createTag(input)",
  "Mutation.updateTag",
  "Mutation.updateTag(expectedVersion)",
  "Mutation.updateTag(input)",
  "Mutation.updateTag(key)",
  "Mutation.archiveTag",
  "Mutation.archiveTag(key)",
  "Mutation.assignTag(userIds)",
  "Mutation.assignTag(key)",
  "Mutation.unassignTag(userIds)",
  "Mutation.unassignTag(key)",
  "Mutation.refreshTags(keys)",
  // Segments
  "UserSegment.key",
  "UserSegment.enteredAt",
  "Segment",
  "Segment.key",
  "Segment.name",
  "Segment.description",
  "Segment.kind",
  "Segment.rule",
  "Segment.status",
  "Segment.version",
  "Segment.createdAt",
  "Segment.updatedAt",
  "Segment.refreshedAt",
  "Segment.overlap(with)",
  "Segment.sizeHistory(timezone)",
  "Segment.sizeHistory(timeRange)",
  "SegmentKind.DYNAMIC",
  "SegmentKind.STATIC",
  "SegmentOverlap.key",
  "SegmentOverlap.otherKey",
  "SegmentOverlap.size",
  "SegmentSizePoint",
  "CreateSegmentInput",
  "CreateSegmentInput.key",
  "CreateSegmentInput.name",
  "CreateSegmentInput.description",
  "CreateStaticSegmentInput",
  "CreateStaticSegmentInput.key",
  "CreateStaticSegmentInput.name",
  "CreateStaticSegmentInput.description",
  "CreateStaticSegmentInput.userIds",
  "CreateStaticSegmentInput.identities",
  "SegmentIdentityInput",
  "SegmentIdentityInput.type",
  "SegmentIdentityInput.value",
  "UpdateSegmentInput",
  "UpdateSegmentInput.name",
  "UpdateSegmentInput.description",
  "UpdateSegmentInput.rule",
  "Query.segments",
  "Query.segments(status)",
  "Query.segment",
  "Query.segment(key)",
  "Mutation.createSegment(input)",
  "Mutation.createStaticSegment(input)",
  "Mutation.snapshotSegment(newKey)",
  "Mutation.snapshotSegment(key)",
  "Mutation.updateSegment",
  "Mutation.updateSegment(expectedVersion)",
  "Mutation.updateSegment(input)",
  "Mutation.updateSegment(key)",
  "Mutation.archiveSegment",
  "Mutation.archiveSegment(key)",
  "Mutation.refreshSegments(keys)",
]);

describe("schema descriptions", () => {
  const missing = elementsWithoutDescription();

  it("describe every type, field, argument, enum value and input field", () => {
    const undescribed = missing.filter((name) => !PENDING.has(name));
    expect(
      undescribed,
      `${undescribed.length} schema elements have no description:\n${undescribed.join("\n")}`,
    ).toEqual([]);
  });

  it("leave in PENDING only elements still without a description", () => {
    const described = [...PENDING].filter((name) => !missing.includes(name));
    expect(described, `Remove from PENDING, they are described or gone:\n${described.join("\n")}`).toEqual(
      [],
    );
  });
});
