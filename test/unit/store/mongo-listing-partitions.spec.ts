import { Post } from '../../../src/kinds/post.kind';
import { toPostDocument } from '../../../src/store/mongo/mongo-documents';
import { partitionDocuments } from '../../../src/store/mongo/mongo-listing-partitions';

const post = (title: string, createdAt: string): Post => ({
  id: `${title}-${createdAt}`,
  title,
  content: 'c',
  author: 'a',
  ownerId: '',
  createdAt: new Date(createdAt),
  updatedAt: new Date(createdAt),
  version: 1,
});

describe('MongoDB listing partitions', () => {
  it("notes each post's month and title prefix once, as its document names them", () => {
    const posts = [
      post('Émile', '2026-12-05T10:00:00Z'),
      post('apple', '2026-12-31T23:59:59.999Z'),
      post('Zeta', '2024-01-01T00:00:00Z'),
      post('日本', '2024-01-15T00:00:00Z'),
    ];
    expect(partitionDocuments(posts).map((d) => d._id)).toEqual([
      'month:2026-12',
      'title:e',
      'title:a',
      'month:2024-01',
      'title:z',
      'title:\u0080',
    ]);
    for (const p of posts) {
      const doc = toPostDocument(p);
      const ids = partitionDocuments([p]).map((d) => d._id);
      expect(ids).toEqual([`month:${doc.month}`, `title:${doc.title_prefix}`]);
    }
    expect(partitionDocuments([])).toEqual([]);
  });
});
