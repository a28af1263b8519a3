import { compareAuthorCounts, TopAuthors } from '../../../src/store/post';

describe('TopAuthors', () => {
  it('keeps exactly the first `top` of the full order, whatever order the counts arrive in', () => {
    // few distinct post counts and tricky names, so ties at the cut are the common case
    const names = ['a', 'B', 'b', 'Z', 'é', 'e', '🚀', 'Ω', 'ab', 'a b', ''];
    for (let round = 0; round < 200; round++) {
      const counts = names
        .map((author) => ({ author, posts: 1 + Math.floor(Math.random() * 3) }))
        .sort(() => Math.random() - 0.5);
      const full = [...counts].sort(compareAuthorCounts);
      for (const top of [0, 1, 3, 5, names.length, names.length + 5]) {
        const kept = new TopAuthors(top);
        for (const count of counts) kept.add(count);
        expect(kept.result()).toEqual(full.slice(0, top));
      }
    }
  });
});
