import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { buildStratumSchema } from "../../src/server/schema";

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

describe("schema descriptions", () => {
  const missing = elementsWithoutDescription();

  it("describe every type, field, argument, enum value and input field", () => {
    expect(missing, `${missing.length} schema elements have no description:\n${missing.join("\n")}`).toEqual(
      [],
    );
  });
});
