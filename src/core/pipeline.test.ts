import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import { resolveConfig } from './config.js'
import { type SelectionMemo, selectNormalized } from './pipeline.js'
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

describe('the publishable posts in file order', () => {
  it('are the posts sorted by file, and the duplicates the same, whatever order they are read in', () => {
    const posts = Array.from({ length: 9 }, (_unused, index) =>
      makePost({
        file: `/site/posts/${String.fromCharCode(97 + ((index * 4) % 9))}.md`,
        date: new Date(Date.UTC(2025, 0, 1 + index)),
        id: `https://x.example/${index % 4}/`,
        url: `https://x.example/p${index}/`,
      }),
    )
    const byFile = [...posts].sort((a, b) => (a.file < b.file ? -1 : 1))
    const select = (inOrder: Post[]) =>
      selectNormalized(
        inOrder.map((post) => ({ post, problems: [] })),
        config,
        { now },
      )
    const fromFileOrder = select(byFile)
    const fromOtherOrder = select(posts)
    expect(fromOtherOrder.publishedByFile.map((post) => post.file)).toEqual(byFile.map((post) => post.file))
    expect(fromFileOrder.publishedByFile).toEqual(byFile)
    expect(fromOtherOrder.problems).toEqual(fromFileOrder.problems)
    expect(fromOtherOrder.problems.length).toBeGreaterThan(0)
    expect(fromOtherOrder.published).toEqual(fromFileOrder.published)
  })
})

describe('a selection from the last one (a session rebuild)', () => {
  it('is the selection made afresh, whatever changed between two', () => {
    // Posts by index; each step replaces some with new objects: the same fields, a new title, date, id or URL.
    const base = (index: number) =>
      makePost({
        file: `/site/posts/${String(index).padStart(2, '0')}.md`,
        title: `Post ${index}`,
        date: new Date(Date.UTC(2025, 0, 1 + (index % 5))),
        id: `https://x.example/${index % 7}/`,
        url: `https://x.example/${index % 7}/`,
      })
    const change = fc.record({
      index: fc.nat(11),
      field: fc.constantFrom('same', 'title', 'date', 'id', 'url', 'gone'),
      value: fc.nat(9),
    })
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 3 }), { minLength: 1, maxLength: 6 }), (steps) => {
        const memo: SelectionMemo = {}
        let posts = Array.from({ length: 12 }, (_, index) => base(index))
        for (const step of steps) {
          posts = [...posts]
          for (const { index, field, value } of step) {
            const post = posts[index]
            if (post === undefined) continue
            if (field === 'gone') posts.splice(index, 1)
            else if (field === 'date') posts[index] = { ...post, date: new Date(Date.UTC(2025, 0, 1 + value)) }
            else if (field === 'id' || field === 'url')
              posts[index] = { ...post, [field]: `https://x.example/${value}/` }
            else posts[index] = { ...post, title: field === 'title' ? `Retitled ${value}` : post.title }
          }
          const normalized = posts.map((post) => ({ post, problems: [] }))
          const fromMemo = selectNormalized(normalized, config, { now }, memo)
          const afresh = selectNormalized(normalized, config, { now })
          expect(fromMemo.published).toEqual(afresh.published)
          for (const [at, post] of fromMemo.published.entries()) expect(post).toBe(afresh.published[at])
          expect(fromMemo.problems.map((problem) => problem.message)).toEqual(
            afresh.problems.map((problem) => problem.message),
          )
        }
      }),
      { numRuns: 300 },
    )
  })
})
