import { UNSTORABLE_MESSAGES, unstorableString } from "../text";
import {
  AGGREGATES,
  type AggregateFn,
  type CompareOp,
  type EventFilter,
  type Expr,
  type Literal,
  type Position,
  type Source,
} from "./ast";
import { PREDICTION_FIELDS, SEND_TIME_FIELDS } from "./catalog";
import { ruleInvalid } from "./errors";

/**
 * Hand-written recursive-descent parser of the rule text (the grammar is small):
 *
 *   rule      := or
 *   or        := and ("or" and)*
 *   and       := not ("and" not)*
 *   not       := "not" not | predicate
 *   predicate := operand [ op operand | ["not"] "in" "(" literal ("," literal)* ")"
 *                        | "between" operand "and" operand | "within" DURATION ]
 *   operand   := literal | "(" or ")" | agg "(" source ")" | "days_since" "(" operand ")"
 *              | "has_tag" "(" STRING ")" | "in_segment" "(" STRING ")" | "in_campaign" "(" STRING ")"
 *              | "received_campaign" "(" STRING ")" ["within" DURATION]
 *              | "user" "." NAME | "trait" "." NAME | "rfm" "." "segment" | "predict" "." NAME | "send_time" "." NAME
 *   source    := ("event" "(" STRING ("," NAME op literal)* ")" | "orders") ["." NAME] ["within" DURATION]
 */
export const MAX_RULE_LENGTH = 10_000;
export const MAX_NESTING = 40;

type TokenKind = "name" | "string" | "number" | "duration" | "op" | "punct" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  at: Position;
}

const KEYWORDS = new Set(["and", "or", "not", "in", "between", "within", "true", "false", "null"]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const here = (index: number): Position => ({ line, column: index - lineStart + 1 });
  while (i < source.length) {
    const ch = source[i];
    if (ch === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const at = here(i);
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let text = "";
      for (;;) {
        if (j >= source.length || source[j] === "\n") throw ruleInvalid("Unterminated string", at);
        const c = source[j];
        if (c === ch) break;
        if (c === "\\") {
          const next = source[j + 1];
          const escapes: Record<string, string> = {
            n: "\n",
            t: "\t",
            r: "\r",
            b: "\b",
            f: "\f",
            "/": "/",
            "\\": "\\",
            '"': '"',
            "'": "'",
          };
          if (next === "u" && /^[0-9a-fA-F]{4}$/.test(source.slice(j + 2, j + 6))) {
            text += String.fromCharCode(Number.parseInt(source.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          if (next === undefined || !(next in escapes))
            throw ruleInvalid("Unknown escape in string", here(j));
          text += escapes[next];
          j += 2;
          continue;
        }
        text += c;
        j++;
      }
      const unstorableReason = unstorableString(text);
      if (unstorableReason) throw ruleInvalid(`A string ${UNSTORABLE_MESSAGES[unstorableReason]}`, at);
      tokens.push({ kind: "string", text: source.slice(i, j + 1), value: text, at });
      i = j + 1;
      continue;
    }
    const number = /^\d+(\.\d+)?/.exec(source.slice(i, i + 40));
    if (number) {
      const end = i + number[0].length;
      if (source[end] === "d" && !number[1] && !/[\w]/.test(source[end + 1] ?? "")) {
        tokens.push({ kind: "duration", text: `${number[0]}d`, value: Number(number[0]), at });
        i = end + 1;
        continue;
      }
      if (/[A-Za-z_]/.test(source[end] ?? ""))
        throw ruleInvalid(`Unexpected "${source[end]}" after a number`, here(end));
      tokens.push({ kind: "number", text: number[0], value: Number(number[0]), at });
      i = end;
      continue;
    }
    // `$browser`: PostHog / Mixpanel style property names; names reach SQL only as parameters.
    const name = /^\$?[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, i + 200));
    if (name) {
      tokens.push({ kind: "name", text: name[0], at });
      i += name[0].length;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (two === "<=" || two === ">=" || two === "!=" || two === "<>" || two === "==") {
      tokens.push({ kind: "op", text: two === "<>" ? "!=" : two === "==" ? "=" : two, at });
      i += 2;
      continue;
    }
    if (ch === "<" || ch === ">" || ch === "=") {
      tokens.push({ kind: "op", text: ch, at });
      i++;
      continue;
    }
    if ("(),.-".includes(ch)) {
      tokens.push({ kind: "punct", text: ch, at });
      i++;
      continue;
    }
    throw ruleInvalid(`Unexpected character "${ch}"`, at);
  }
  tokens.push({ kind: "end", text: "end of rule", at: here(i) });
  return tokens;
}

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.index];
  }
  private next(): Token {
    return this.tokens[this.index++];
  }
  private atEnd(): boolean {
    return this.current.kind === "end";
  }
  private isWord(word: string): boolean {
    return this.current.kind === "name" && this.current.text.toLowerCase() === word;
  }
  private isPunct(text: string): boolean {
    return this.current.kind === "punct" && this.current.text === text;
  }
  private expectPunct(text: string, what: string): Token {
    if (!this.isPunct(text)) throw this.unexpected(what);
    return this.next();
  }
  private expectWord(word: string): Token {
    if (!this.isWord(word)) throw this.unexpected(`"${word}"`);
    return this.next();
  }
  private unexpected(expected: string) {
    const token = this.current;
    const found = token.kind === "end" ? "the end of the rule" : `"${token.text}"`;
    return ruleInvalid(`Expected ${expected} but found ${found}`, token.at);
  }
  private enter(at: Position): void {
    if (++this.depth > MAX_NESTING) throw ruleInvalid(`Rule is nested deeper than ${MAX_NESTING} levels`, at);
  }

  parseRule(): Expr {
    if (this.current.kind === "end") throw ruleInvalid("The rule is empty", this.current.at);
    const expr = this.parseOr();
    if (!this.atEnd()) throw this.unexpected('"and", "or" or the end of the rule');
    return expr;
  }

  private parseOr(): Expr {
    this.enter(this.current.at);
    let left = this.parseAnd();
    while (this.isWord("or")) {
      const at = this.next().at;
      left = { type: "or", left, right: this.parseAnd(), at };
    }
    this.depth--;
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isWord("and")) {
      const at = this.next().at;
      left = { type: "and", left, right: this.parseNot(), at };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isWord("not")) {
      const at = this.next().at;
      this.enter(at);
      const arg = this.parseNot();
      this.depth--;
      return { type: "not", arg, at };
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    const value = this.parseOperand();
    const token = this.current;
    if (token.kind === "op") {
      this.next();
      return {
        type: "compare",
        op: token.text as CompareOp,
        left: value,
        right: this.parseOperand(),
        at: token.at,
      };
    }
    if (this.isWord("not") && this.tokens[this.index + 1]?.text.toLowerCase() === "in") {
      this.next();
      return { type: "not", arg: this.parseIn(value), at: token.at };
    }
    if (this.isWord("in")) return this.parseIn(value);
    if (this.isWord("between")) {
      this.next();
      const low = this.parseOperand();
      this.expectWord("and");
      return { type: "between", value, low, high: this.parseOperand(), at: token.at };
    }
    if (this.isWord("within")) {
      this.next();
      return { type: "within", value, days: this.parseDuration(), at: token.at };
    }
    return value;
  }

  private parseIn(value: Expr): Expr {
    const at = this.expectWord("in").at;
    this.expectPunct("(", '"(" after "in"');
    const list: Literal[] = [this.parseLiteral()];
    while (this.isPunct(",")) {
      this.next();
      list.push(this.parseLiteral());
    }
    this.expectPunct(")", '"," or ")"');
    return { type: "in", value, list, at };
  }

  private parseDuration(): number {
    const token = this.current;
    if (token.kind !== "duration") throw this.unexpected("a duration such as 30d");
    this.next();
    return token.value as number;
  }

  private parseLiteral(): Literal {
    const token = this.current;
    if (token.kind === "string" || token.kind === "number") {
      this.next();
      return token.value as Literal;
    }
    if (this.isPunct("-")) {
      this.next();
      if (this.current.kind !== "number") throw this.unexpected("a number after -");
      return -(this.next().value as number);
    }
    if (this.isWord("true") || this.isWord("false")) return this.next().text.toLowerCase() === "true";
    if (this.isWord("null")) {
      this.next();
      return null;
    }
    throw this.unexpected("a string, number, true, false or null");
  }

  private parseOperand(): Expr {
    const token = this.current;
    if (token.kind === "string" || token.kind === "number" || this.isPunct("-")) {
      return { type: "literal", value: this.parseLiteral(), at: token.at };
    }
    if (this.isPunct("(")) {
      this.next();
      const inner = this.parseOr();
      this.expectPunct(")", '")"');
      return inner;
    }
    if (token.kind !== "name") throw this.unexpected("a value, a function or a field");
    const word = token.text;
    const lower = word.toLowerCase();
    if (lower === "true" || lower === "false" || lower === "null") {
      return { type: "literal", value: this.parseLiteral(), at: token.at };
    }
    if (KEYWORDS.has(lower)) throw this.unexpected("a value, a function or a field");
    this.next();
    if (this.isPunct("(")) return this.parseCall(word, token.at);
    if (this.isPunct(".")) {
      this.next();
      const field = this.current;
      if (field.kind !== "name") throw this.unexpected(`a field name after "${word}."`);
      this.next();
      if (word === "user") return { type: "user", field: field.text, at: token.at };
      if (word === "trait") return { type: "trait", name: field.text, at: token.at };
      if (word === "rfm") {
        if (field.text !== "segment")
          throw ruleInvalid(`Unknown field "rfm.${field.text}"; use rfm.segment`, field.at);
        return { type: "rfm_segment", at: token.at };
      }
      if (word === "recommendations") {
        if (field.text !== "top_category")
          throw ruleInvalid(
            `Unknown field "recommendations.${field.text}"; use recommendations.top_category`,
            field.at,
          );
        return { type: "top_recommended_category", at: token.at };
      }
      if (word === "predict") {
        if (!Object.hasOwn(PREDICTION_FIELDS, field.text))
          throw ruleInvalid(
            `Unknown field "predict.${field.text}"; known: ${Object.keys(PREDICTION_FIELDS)
              .map((f) => `predict.${f}`)
              .join(", ")}`,
            field.at,
          );
        return { type: "prediction", field: field.text, at: token.at };
      }
      if (word === "send_time") {
        if (!Object.hasOwn(SEND_TIME_FIELDS, field.text))
          throw ruleInvalid(
            `Unknown field "send_time.${field.text}"; known: ${Object.keys(SEND_TIME_FIELDS)
              .map((f) => `send_time.${f}`)
              .join(", ")}`,
            field.at,
          );
        return { type: "send_time", field: field.text, at: token.at };
      }
      if (word === "orders")
        throw ruleInvalid(`"orders.${field.text}" needs an aggregate such as sum(…)`, token.at);
      throw ruleInvalid(
        `Unknown name "${word}"; fields start with user., trait., rfm., predict., send_time. or recommendations.`,
        token.at,
      );
    }
    if (word === "orders") throw ruleInvalid('"orders" needs an aggregate such as count(orders)', token.at);
    throw ruleInvalid(`Unknown name "${word}"`, token.at);
  }

  private parseCall(name: string, at: Position): Expr {
    this.enter(at);
    this.expectPunct("(", '"("');
    let expr: Expr;
    if ((AGGREGATES as readonly string[]).includes(name)) {
      expr = { type: "aggregate", fn: name as AggregateFn, source: this.parseSource(), at };
    } else if (name === "days_since") {
      expr = { type: "days_since", arg: this.parseOperand(), at };
    } else if (name === "in_campaign" || name === "received_campaign") {
      const key = this.current;
      if (key.kind !== "string") throw this.unexpected(`a quoted campaign key in ${name}(…)`);
      this.next();
      this.expectPunct(")", `")" to close ${name}(`);
      this.depth--;
      if (name === "in_campaign") return { type: "in_campaign", key: key.value as string, at };
      const received: Expr = { type: "received_campaign", key: key.value as string, at };
      if (this.isWord("within")) {
        this.next();
        received.withinDays = this.parseDuration();
      }
      return received;
    } else if (name === "has_tag" || name === "in_segment") {
      const key = this.current;
      if (key.kind !== "string") throw this.unexpected(`a quoted key in ${name}(…)`);
      this.next();
      expr =
        name === "has_tag"
          ? { type: "has_tag", key: key.value as string, at }
          : { type: "in_segment", key: key.value as string, at };
    } else if (name === "event") {
      throw ruleInvalid('event(…) needs an aggregate such as count(event("page_view"))', at);
    } else {
      throw ruleInvalid(`Unknown function "${name}"`, at);
    }
    this.expectPunct(")", `")" to close ${name}(`);
    this.depth--;
    return expr;
  }

  private parseSource(): Source {
    const token = this.current;
    let source: Source;
    if (this.isWord("orders")) {
      this.next();
      source = { fact: "orders", at: token.at };
    } else if (this.isWord("event")) {
      this.next();
      this.expectPunct("(", '"(" after event');
      const name = this.current;
      if (name.kind !== "string") throw this.unexpected('an event name in quotes, as in event("page_view")');
      this.next();
      const filters: EventFilter[] = [];
      while (this.isPunct(",")) {
        this.next();
        const property = this.current;
        if (property.kind !== "name") throw this.unexpected("a property name");
        this.next();
        const op = this.current;
        if (op.kind !== "op") throw this.unexpected("a comparison such as =");
        this.next();
        filters.push({
          property: property.text,
          op: op.text as CompareOp,
          value: this.parseLiteral(),
          at: property.at,
        });
      }
      this.expectPunct(")", '"," or ")"');
      source = { fact: "event", event: name.value as string, filters, at: token.at };
    } else {
      throw this.unexpected('orders or event("…")');
    }
    if (this.isPunct(".")) {
      this.next();
      const field = this.current;
      if (field.kind !== "name") throw this.unexpected("a field name");
      this.next();
      source.field = field.text;
    }
    if (this.isWord("within")) {
      this.next();
      source.withinDays = this.parseDuration();
    }
    return source;
  }
}

/** Parses the text form; RULE_INVALID with line and column on any error. */
export function parseRule(text: string): Expr {
  if (typeof text !== "string") throw ruleInvalid("The rule must be text");
  if (text.length > MAX_RULE_LENGTH)
    throw ruleInvalid(`The rule is longer than ${MAX_RULE_LENGTH} characters`);
  return new Parser(tokenize(text)).parseRule();
}
