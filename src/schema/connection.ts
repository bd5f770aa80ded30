import { ArgsType, type ClassType, Field, Int, ObjectType } from "type-graphql";
import type { Page } from "../pagination";

/** The page arguments of every connection: Relay's `first`/`after` forward, `last`/`before` backward. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: "Rows after `after` (default 50, at most 1000)" })
  first?: number;

  @Field(() => String, { nullable: true, description: "Cursor the page starts after" })
  after?: string;

  @Field(() => Int, { nullable: true, description: "Rows before `before` (default 50, at most 1000)" })
  last?: number;

  @Field(() => String, { nullable: true, description: "Cursor the page ends before" })
  before?: string;
}

@ObjectType({ description: "Where a page sits in its list (Relay cursor connections)" })
export class PageInfo {
  @Field(() => Boolean, { description: "More rows follow the page's end (`first`/`after` it)" })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "More rows precede the page's start (`last`/`before` it)" })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the page's first row" })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "Cursor of the page's last row" })
  endCursor!: string | null;
}

export interface ConnectionShape<T> {
  totalCount: number;
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: PageInfo;
}

/**
 * Relay connection base for a node type; subclass it as `@ObjectType({ description: "A page
 * of …" }) class XConnection extends Connection(X) {}` (the subclass names and describes the
 * type; the edge and the fields are described here). Every list of Stratum that pages uses
 * this with the cursors of `src/pagination`.
 */
export function Connection<T extends object>(Node: ClassType<T>, name = Node.name) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor` })
  class Edge {
    @Field(() => String, {
      description: "Opaque position of this row: pass it as `after` (or `before`) to read on from here",
    })
    cursor!: string;

    @Field(() => Node, { description: `The ${name}` })
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionType implements ConnectionShape<T> {
    @Field(() => Int, {
      description: "Rows of the whole list (every page, same filters), not only this page",
    })
    totalCount!: number;

    @Field(() => [Edge], { description: "The page's rows in list order, each with its cursor" })
    edges!: Edge[];

    @Field(() => PageInfo, {
      description: "Whether rows precede or follow the page, and its first and last cursors",
    })
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  return {
    totalCount: page.totalCount ?? page.nodes.length,
    edges: page.nodes.map((node, i) => ({ cursor: page.cursors[i], node })),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.startCursor,
      endCursor: page.endCursor,
    },
  };
}
