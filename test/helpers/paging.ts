/** A page as tests see it: its items (already picked out) and Relay's page info. */
export interface WalkedPage<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Walks a connection to its end, forward (`after` = the last end cursor) or backward
 * (`before` = the last start cursor), and returns every item in list order and the number
 * of pages it took. `fetchPage` gets the cursor to continue from (null at first).
 */
export async function walk<T>(direction: 'forward' | 'backward', fetchPage: (cursor: string | null) => Promise<WalkedPage<T>> | WalkedPage<T>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 1; ; pages++) {
    const page: WalkedPage<T> = await fetchPage(cursor);
    if (direction === 'forward') items.push(...page.items);
    else items.unshift(...page.items);
    const more = direction === 'forward' ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage;
    if (!more) return { items, pages };
    cursor = direction === 'forward' ? page.pageInfo.endCursor : page.pageInfo.startCursor;
    if (pages > 1000) throw new Error('walk: more than 1000 pages; does the cursor advance?');
  }
}
