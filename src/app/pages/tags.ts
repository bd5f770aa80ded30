import { DashboardTagHistoryDocument, DashboardTagOverlapDocument } from "../../client/generated";
import { request } from "../api";
import type { Catalog, Page } from "../context";
import { chartPanel, h } from "../dom";
import { t } from "../i18n";
import { definitionTable, drawOverlapMatrix, drawSizeHistory, drawSizes, historyRange } from "./membership";

/** The tag whose size history is drawn; kept while the user moves between pages. */
const settings = { tag: "" };

/** At most this many tags in the matrix (the API's overlap limit): the largest ones. */
const MAX_OVERLAP_TAGS = 20;

async function showOverlap(canvas: HTMLElement, tags: Catalog["tags"]): Promise<void> {
  const largest = [...tags].sort((a, b) => b.userCount - a.userCount).slice(0, MAX_OVERLAP_TAGS);
  const [first, ...others] = largest.map((tag) => tag.key);
  if (!first) return;
  const { tag } = await request(DashboardTagOverlapDocument, { key: first, others });
  drawOverlapMatrix(
    canvas,
    t("tagOverlap"),
    largest.map((one) => ({ key: one.key, size: one.userCount })),
    tag?.overlap ?? [],
  );
}

async function showSizeHistory(canvas: HTMLElement, key: string): Promise<void> {
  const { tag } = await request(DashboardTagHistoryDocument, { key, timeRange: historyRange() });
  drawSizeHistory(canvas, key, tag?.sizeHistory ?? []);
}

export const tagsPage: Page = async (root, context) => {
  const { tags } = await context.catalog;
  if (tags.length === 0) {
    root.append(h("p", { class: "muted" }, t("noTags")));
    return;
  }
  if (!tags.some((tag) => tag.key === settings.tag)) settings.tag = tags[0].key;
  const sizes = chartPanel(t("tagSizes"), "tag-sizes");
  const overlap = chartPanel(t("tagOverlap"), "tag-overlap");
  const history = chartPanel(`${t("sizeHistory")}: ${settings.tag}`, "tag-history");
  const showTag = () => {
    history.panel.querySelector("h2")?.replaceChildren(`${t("sizeHistory")}: ${settings.tag}`);
    return showSizeHistory(history.canvas, settings.tag);
  };
  root.append(
    sizes.panel,
    definitionTable(
      "tags",
      [t("tags"), t("name"), t("category"), t("kind"), t("users")],
      tags.map((tag) => ({
        key: tag.key,
        cells: [tag.key, tag.name, tag.category, tag.kind, tag.userCount],
        choose: () => {
          settings.tag = tag.key;
          void showTag();
        },
      })),
      settings.tag,
    ),
    h("div", { class: "columns" }, overlap.panel, history.panel),
  );
  drawSizes(
    sizes.canvas,
    t("tagSizes"),
    tags.map((tag) => ({ key: tag.key, size: tag.userCount })),
  );
  await Promise.all([showOverlap(overlap.canvas, tags), showTag()]);
};
