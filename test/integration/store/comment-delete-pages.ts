import { CassandraClient } from '../../../src/database/cassandra/cassandra-client';

/** What a spy saw of the pages of comments Cassandra's post deletions read. */
export interface CommentDeletePages {
  /** the fetch size each page was asked with */
  fetchSizes: number[];
  /** the rows each page brought */
  rows: number[];
  reset(): void;
}

/**
 * Records every page a post deletion reads from comments_by_post (its `SELECT id, created_at`),
 * through the client's `page`: what the deletion holds in memory at once.
 */
export function spyOnCommentDeletePages(client: CassandraClient): CommentDeletePages {
  const seen: CommentDeletePages = {
    fetchSizes: [],
    rows: [],
    reset: () => {
      seen.fetchSizes.length = 0;
      seen.rows.length = 0;
    },
  };
  const page = client.page.bind(client);
  jest.spyOn(client, 'page').mockImplementation(async (cql, params, options) => {
    const result = await page(cql, params, options);
    if (cql.startsWith('SELECT id, created_at FROM') && cql.includes('.comments_by_post ')) {
      seen.fetchSizes.push(options.fetchSize);
      seen.rows.push(result.rows.length);
    }
    return result;
  });
  return seen;
}
