import type { ApiClient } from './api-client.js';

/** Everything the anonymous feed holds for `as`, page by page from the start. */
export async function readWholeFeed<T>(api: ApiClient, as: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const r = await api.call('GET', `/v1/events?limit=50${cursor ? `&after=${cursor}` : ''}` as '/v1/events', { as });
    expect(r.status).toBe(200);
    items.push(...(r.data.items as T[]));
    if (r.data.items.length < 50) return items;
    cursor = r.data.nextCursor;
  }
}
