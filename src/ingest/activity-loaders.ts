import DataLoader from "dataloader";
import type { Page, PageRequest } from "../pagination";
import type { ActivityService, EventPageRequest, EventRecord, MergeRecord, OrderRecord } from "./activity";

type Keyed<R> = { userId: number } & R;

/** Batches per-profile page requests: one service call per distinct page request. */
function pagedLoader<R extends PageRequest, T>(
  fetch: (userIds: readonly number[], request: R) => Promise<Array<Page<T>>>,
) {
  return new DataLoader<Keyed<R>, Page<T>, string>(
    async (keys) => {
      const groups = new Map<string, { request: R; positions: number[] }>();
      keys.forEach((key, position) => {
        const { userId: _, ...request } = key;
        const signature = JSON.stringify(request);
        const group = groups.get(signature) ?? { request: request as unknown as R, positions: [] };
        group.positions.push(position);
        groups.set(signature, group);
      });
      const pages: Array<Page<T> | Error> = new Array(keys.length);
      await Promise.all(
        [...groups.values()].map(async (group) => {
          try {
            const result = await fetch(
              group.positions.map((position) => keys[position].userId),
              group.request,
            );
            group.positions.forEach((position, i) => {
              pages[position] = result[i];
            });
          } catch (error) {
            for (const position of group.positions) pages[position] = error as Error;
          }
        }),
      );
      return pages;
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );
}

/** Per-request loaders of `User.events`, `User.orders` and `User.mergedFrom`. */
export function activityLoaders(activity: ActivityService) {
  return {
    userEvents: pagedLoader<EventPageRequest, EventRecord>((ids, request) => activity.eventsOf(ids, request)),
    userOrders: pagedLoader<PageRequest, OrderRecord>((ids, request) => activity.ordersOf(ids, request)),
    userMerges: new DataLoader<number, MergeRecord[]>((ids) => activity.mergedInto(ids)),
  };
}
