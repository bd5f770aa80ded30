import { type ClassType, Field, Int, ObjectType } from "type-graphql";
import type { Page } from "../pagination";

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  totalCount: number;
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}

/**
 * Relay connection base for a node type; subclass it as `@ObjectType() class XConnection
 * extends Connection(X) {}`. Every list of Stratum that pages uses this with the cursors
 * of `src/pagination`.
 */
export function Connection<T extends object>(Node: ClassType<T>, name = Node.name) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => Node)
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionType implements ConnectionShape<T> {
    @Field(() => Int)
    totalCount!: number;

    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    totalCount: page.totalCount ?? page.nodes.length,
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i], node })),
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
  };
}
