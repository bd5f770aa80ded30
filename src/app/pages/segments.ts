import {
  DashboardMembersDocument,
  type DashboardMembersQueryVariables,
  DashboardRulePreviewDocument,
  DashboardSegmentHistoryDocument,
  DashboardSegmentOverlapDocument,
} from "../../client/generated";
import { ApiError, request } from "../api";
import type { Catalog, Page } from "../context";
import { chartPanel, h } from "../dom";
import { t } from "../i18n";
import { definitionTable, drawOverlapMatrix, drawSizeHistory, drawSizes, historyRange } from "./membership";

const PAGE_SIZE = 20;
/** Pause after the last keystroke before the rule is checked and counted. */
const PREVIEW_DELAY_MS = 250;

const settings = { member: "", rule: 'count(orders within 90d) >= 2 and trait.city = "上海"' };

function membersTable(): HTMLElement {
  const holder = h("section", { class: "panel", "data-members": "" });
  let offset = 0;
  const load = async (variables: DashboardMembersQueryVariables) => {
    const { segment } = await request(DashboardMembersDocument, variables);
    if (!segment) return;
    const { members } = segment;
    const identity = (node: (typeof members.edges)[number]["node"], type: string) =>
      node.identities.find((id) => id.type === type)?.value ?? "–";
    const trait = (node: (typeof members.edges)[number]["node"], key: string) => {
      const value = (node.traits as Record<string, unknown>)[key];
      return value == null ? "–" : String(value);
    };
    const to = offset + members.edges.length;
    holder.replaceChildren(
      h("h2", {}, `${t("members")}: ${segment.name}`),
      h(
        "table",
        { class: "data", "data-table": "members" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...[t("id"), t("name"), t("city"), t("phone"), t("email"), t("lastSeen")].map((title) =>
              h("th", {}, title),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          ...members.edges.map(({ node }) =>
            h(
              "tr",
              {},
              h("td", {}, node.id),
              h("td", { "data-pii": "name" }, trait(node, "name")),
              h("td", {}, trait(node, "city")),
              h("td", { "data-pii": "phone" }, identity(node, "phone")),
              h("td", { "data-pii": "email" }, identity(node, "email")),
              h("td", {}, node.lastSeenAt.slice(0, 16).replace("T", " ")),
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "pager" },
        h(
          "button",
          {
            disabled: !members.pageInfo.hasPreviousPage,
            onclick: () => {
              offset = Math.max(0, offset - PAGE_SIZE);
              void load({ key: settings.member, last: PAGE_SIZE, before: members.pageInfo.startCursor });
            },
          },
          t("previous"),
        ),
        h(
          "span",
          {},
          t("pageOf", { from: members.edges.length ? offset + 1 : 0, to, total: members.totalCount }),
        ),
        h(
          "button",
          {
            "data-next": "",
            disabled: !members.pageInfo.hasNextPage,
            onclick: () => {
              offset += members.edges.length;
              void load({ key: settings.member, first: PAGE_SIZE, after: members.pageInfo.endCursor });
            },
          },
          t("next"),
        ),
      ),
    );
  };
  if (settings.member) void load({ key: settings.member, first: PAGE_SIZE });
  return holder;
}

/** The rule, its offending line and a caret under the column the checker names. */
function errorView(rule: string, errors: { message: string; line: number; column: number }[]): HTMLElement {
  const lines = rule.split("\n");
  return h(
    "ul",
    { class: "rule-errors" },
    ...errors.map((error) =>
      h(
        "li",
        {},
        h("strong", {}, `${t("lineColumn", { line: error.line, column: error.column })}: `),
        error.message,
        h("pre", {}, `${lines[error.line - 1] ?? ""}\n${" ".repeat(Math.max(0, error.column - 1))}^`),
      ),
    ),
  );
}

function ruleEditor(): HTMLElement {
  const result = h("div", { class: "rule-result", "data-rule-result": "" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const preview = async (rule: string) => {
    const question = ++asked;
    result.replaceChildren(h("span", { class: "muted" }, t("checking")));
    try {
      const { previewRule } = await request(DashboardRulePreviewDocument, { rule });
      if (question !== asked) return;
      result.replaceChildren(
        previewRule.valid
          ? h(
              "div",
              { class: "matching", "data-matching": previewRule.matchingUsers },
              t("matching", { count: previewRule.matchingUsers }),
            )
          : errorView(rule, previewRule.errors),
      );
    } catch (error) {
      if (question !== asked) return;
      result.replaceChildren(
        h("div", { class: "error" }, error instanceof ApiError ? error.message : String(error)),
      );
    }
  };
  const editor = h("textarea", {
    name: "rule",
    "aria-label": t("ruleEditor"),
    rows: 4,
    spellcheck: "false",
    oninput: (event: Event) => {
      settings.rule = (event.target as HTMLTextAreaElement).value;
      clearTimeout(timer);
      timer = setTimeout(() => void preview(settings.rule), PREVIEW_DELAY_MS);
    },
  });
  editor.value = settings.rule;
  void preview(settings.rule);
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, t("ruleEditor")),
    h("p", { class: "muted" }, t("ruleHint")),
    editor,
    result,
  );
}

async function showOverlap(canvas: HTMLElement, segments: Catalog["segments"]): Promise<void> {
  const [first, ...others] = segments.map((segment) => segment.key);
  if (!first) return;
  const { segment } = await request(DashboardSegmentOverlapDocument, { key: first, others });
  drawOverlapMatrix(canvas, t("overlap"), segments, segment?.overlap ?? []);
}

async function showSizeHistory(canvas: HTMLElement, key: string): Promise<void> {
  const { segment } = await request(DashboardSegmentHistoryDocument, { key, timeRange: historyRange() });
  drawSizeHistory(canvas, key, segment?.sizeHistory ?? []);
}

export const segmentsPage: Page = async (root, context) => {
  const { segments } = await context.catalog;
  const chart = chartPanel(t("segmentSizes"), "segment-sizes");
  if (!segments.some((segment) => segment.key === settings.member)) settings.member = segments[0]?.key ?? "";
  const members = h("div", {});
  const overlap = chartPanel(t("overlap"), "segment-overlap");
  const history = chartPanel(t("sizeHistory"), "segment-history");
  const showSegment = () => {
    members.replaceChildren(membersTable());
    history.panel.querySelector("h2")?.replaceChildren(`${t("sizeHistory")}: ${settings.member}`);
    return showSizeHistory(history.canvas, settings.member);
  };
  root.append(
    chart.panel,
    definitionTable(
      "segments",
      [t("segment"), t("name"), t("kind"), t("size")],
      segments.map((segment) => ({
        key: segment.key,
        cells: [segment.key, segment.name, segment.kind, segment.size],
        choose: () => {
          settings.member = segment.key;
          void showSegment();
        },
      })),
      settings.member,
    ),
    ruleEditor(),
    h("div", { class: "columns" }, overlap.panel, history.panel),
    members,
  );
  drawSizes(chart.canvas, t("segmentSizes"), segments);
  await Promise.all([showOverlap(overlap.canvas, segments), settings.member ? showSegment() : undefined]);
};
