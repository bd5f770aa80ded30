import {
  DashboardMembersDocument,
  type DashboardMembersQueryVariables,
  DashboardRulePreviewDocument,
  DashboardSegmentHistoryDocument,
  DashboardSegmentOverlapDocument,
  type TimeRangeInput,
} from "../../client/generated";
import { ApiError, request } from "../api";
import { drawChart } from "../charts";
import type { Catalog, Page } from "../context";
import { chartPanel, h } from "../dom";
import { t } from "../i18n";

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

/** Users in both of two segments; the diagonal is each segment's size. */
async function drawOverlap(canvas: HTMLElement, segments: Catalog["segments"]): Promise<void> {
  const keys = segments.map((segment) => segment.key);
  if (keys.length === 0) return;
  const { segment } = await request(DashboardSegmentOverlapDocument, { key: keys[0], others: keys.slice(1) });
  const cells = segments.map((one, i) => [i, i, one.size]);
  for (const pair of segment?.overlap ?? []) {
    const [a, b] = [keys.indexOf(pair.key), keys.indexOf(pair.otherKey)];
    cells.push([a, b, pair.size], [b, a, pair.size]);
  }
  drawChart(
    canvas,
    {
      tooltip: {},
      grid: { left: 140, right: 90, top: 8, bottom: 80 },
      xAxis: { type: "category", data: keys, axisLabel: { rotate: 30 } },
      yAxis: { type: "category", data: keys, inverse: true },
      visualMap: {
        min: 0,
        max: Math.max(1, ...segments.map((one) => one.size)),
        calculable: true,
        orient: "vertical",
        right: 0,
        top: "middle",
        inRange: { color: ["#f5f3ff", "#6d28d9"] },
      },
      series: [{ type: "heatmap", data: cells, label: { show: true } }],
    },
    cells.length,
  );
}

/** Days of size history drawn, today included. */
const HISTORY_DAYS = 30;

/**
 * The last HISTORY_DAYS days up to and including today (a relative `last` range stops before
 * today, and a refresh today is the news). Dates are the browser's; the server reads them in
 * its time zone, so the edges may move by a day, never the sizes.
 */
function historyRange(): TimeRangeInput {
  const day = (offset: number) => {
    const date = new Date();
    date.setDate(date.getDate() + offset);
    return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
  };
  return { from: day(1 - HISTORY_DAYS), to: day(1) };
}

/** Members at the end of each day, from the recorded entries and exits. */
async function drawSizeHistory(canvas: HTMLElement, key: string): Promise<void> {
  const timeRange = historyRange();
  const { segment } = await request(DashboardSegmentHistoryDocument, { key, timeRange });
  const points = segment?.sizeHistory ?? [];
  drawChart(
    canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: points.map((point) => point.at.slice(0, 10)) },
      yAxis: { type: "value" },
      series: [{ type: "line", name: key, data: points.map((point) => point.size), showSymbol: false }],
    },
    points.length,
  );
}

export const segmentsPage: Page = async (root, context) => {
  const catalog = await context.catalog;
  const { segments, tags } = catalog;
  const chart = chartPanel(t("segments"), "segment-sizes");
  const rowOf = (key: string, cells: (string | number)[], onclick?: () => void) =>
    h(
      "tr",
      { "data-key": key, class: onclick ? "clickable" : "", onclick },
      ...cells.map((cell) => h("td", {}, cell)),
    );
  if (!segments.some((segment) => segment.key === settings.member)) settings.member = segments[0]?.key ?? "";
  const members = h("div", {});
  const overlap = chartPanel(t("overlap"), "segment-overlap");
  const history = chartPanel(t("sizeHistory"), "segment-history");
  const showSegment = () => {
    members.replaceChildren(membersTable());
    history.panel.querySelector("h2")?.replaceChildren(`${t("sizeHistory")}: ${settings.member}`);
    return drawSizeHistory(history.canvas, settings.member);
  };
  const segmentTable = h(
    "table",
    { class: "data", "data-table": "segments" },
    h(
      "thead",
      {},
      h("tr", {}, ...[t("segment"), t("name"), t("kind"), t("size")].map((x) => h("th", {}, x))),
    ),
    h(
      "tbody",
      {},
      ...segments.map((segment) =>
        rowOf(segment.key, [segment.key, segment.name, segment.kind, segment.size], () => {
          settings.member = segment.key;
          void showSegment();
        }),
      ),
    ),
  );
  const tagTable = h(
    "table",
    { class: "data", "data-table": "tags" },
    h(
      "thead",
      {},
      h("tr", {}, ...[t("tags"), t("name"), t("category"), t("kind"), t("users")].map((x) => h("th", {}, x))),
    ),
    h(
      "tbody",
      {},
      ...tags.map((tag) => rowOf(tag.key, [tag.key, tag.name, tag.category, tag.kind, tag.userCount])),
    ),
  );
  root.append(
    chart.panel,
    h("div", { class: "columns" }, segmentTable, tagTable),
    ruleEditor(),
    h("div", { class: "columns" }, overlap.panel, history.panel),
    members,
  );
  const sized = [...segments, ...tags.map((tag) => ({ key: tag.key, size: tag.userCount }))];
  drawChart(
    chart.canvas,
    {
      tooltip: { trigger: "axis" },
      grid: { left: 140, right: 24, top: 8, bottom: 24 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: sized.map((item) => item.key) },
      series: [
        {
          type: "bar",
          name: t("size"),
          data: sized.map((item) => item.size),
          label: { show: true, position: "right" },
        },
      ],
    },
    sized.length,
  );
  await Promise.all([drawOverlap(overlap.canvas, segments), settings.member ? showSegment() : undefined]);
};
