import type { Post } from '../../src/core/post.js'

/**
 * A post as normalizing gives it, for tests that render or plan feeds:
 * `overrides` set what the test is about, the rest is a plain published post.
 */
export function makePost(overrides: Partial<Post> = {}): Post {
  return {
    file: '/site/posts/a.md',
    slug: 'a',
    title: 'A',
    date: new Date('2025-01-01T00:00:00Z'),
    updated: undefined,
    id: 'https://x.example/2025/a/',
    url: 'https://x.example/2025/a/',
    authors: [],
    tags: [],
    summary: undefined,
    image: undefined,
    isDraft: false,
    lang: undefined,
    content: undefined,
    body: '',
    bodyLine: 5,
    ...overrides,
  }
}
