import { describe, expect, it } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import { resolveConfig } from './config.js'
import { selectNormalized } from './pipeline.js'
import type { Post } from './post.js'

const config = resolveConfig(
  { site: { title: 'X', url: 'https://x.example/' } },
  { configPath: '/site/kabar.config.json' },
)
const now = new Date('2026-01-01T00:00:00Z')

function problemsOf(posts: Post[]): string[] {
  const selection = selectNormalized(
    posts.map((post) => ({ post, problems: [] })),
    config,
    { now },
  )
  return selection.problems.map((problem) => `${problem.file}: ${problem.code}: ${problem.message}`)
}

describe('duplicate ids and URLs', () => {
  it('names the other file of an id or a URL two posts share, and nothing else', () => {
    const post = (name: string, id: string, url: string) => makePost({ file: `/site/posts/${name}.md`, id, url })
    expect(
      problemsOf([
        post('a', 'https://x.example/a/', 'https://x.example/a/'),
        post('b', 'https://x.example/a/', 'https://x.example/a/'),
        // Another id, the same URL as c.
        post('c', 'https://x.example/c/', 'https://x.example/c/'),
        post('d', 'tag:x.example,2025:d', 'https://x.example/c/'),
        // An id that is another post's URL (and the reverse): neither an id nor a URL shared.
        post('e', 'https://x.example/f/', 'https://x.example/e/'),
        post('f', 'tag:x.example,2025:f', 'https://x.example/f/'),
      ]),
    ).toEqual([
      '/site/posts/b.md: DUPLICATE_ID: id https://x.example/a/ is also the id of posts/a.md — give one of them another slug or id',
      '/site/posts/d.md: DUPLICATE_URL: URL https://x.example/c/ is also the URL of posts/c.md — give one of them another slug',
    ])
  })
})
