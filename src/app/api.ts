import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql/language/printer";

/** A GraphQL error as Stratum answers it: a code, and for rules the line and column. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const KEY_NAME = "stratum.apiKey";
const printed = new WeakMap<object, string>();

/**
 * The key is typed once and kept for the tab (sessionStorage), or on this device when the
 * user asks (localStorage). The embedded demo's page carries its key in a meta tag, which
 * the server writes only for the demo database and a browser on the server's machine.
 */
export function storedKey(): string | undefined {
  return (
    sessionStorage.getItem(KEY_NAME) ??
    localStorage.getItem(KEY_NAME) ??
    document.querySelector<HTMLMetaElement>('meta[name="stratum-demo-key"]')?.content ??
    undefined
  );
}

export function storeKey(key: string, remember: boolean): void {
  sessionStorage.setItem(KEY_NAME, key);
  if (remember) localStorage.setItem(KEY_NAME, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_NAME);
  localStorage.removeItem(KEY_NAME);
}

/** Runs one operation of the typed client (src/client/generated.ts) against this server. */
export async function request<Result, Variables>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  let query = printed.get(document);
  if (!query) {
    query = print(document);
    printed.set(document, query);
  }
  const key = storedKey();
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => ({}))) as {
    data?: Result;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new ApiError(first.message, first.extensions?.code ?? "INTERNAL");
  }
  if (!response.ok || !body.data) throw new ApiError(`HTTP ${response.status}`, "INTERNAL");
  return body.data;
}
