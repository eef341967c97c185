import { describe, expect, it } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import { resolveConfig, type UserConfig } from './config.js'
import { planFeeds } from './feed-sets.js'
import type { Post } from './post.js'
import { postsInOutputs } from './render-outputs.js'

function config(extra: Partial<UserConfig> = {}) {
  return resolveConfig(
    {
      site: {
        title: 'Site',
        url: 'https://site.example/',
        author: 'Desk',
        authors: { ana: { name: 'Ana Lima' } },
      },
      ...extra,
    },
    { configPath: '/site/kabar.config.json' },
  )
}

/** Posts newest first, as `selectPosts` hands them over. */
function posts(...specs: { tags?: string[]; authors?: string[] }[]): Post[] {
  return specs.map((spec, index) =>
    makePost({
      file: `/site/posts/${index}.md`,
      slug: `p${index}`,
      title: `Post ${index}`,
      date: new Date(Date.UTC(2025, 0, 31 - index)),
      id: `https://site.example/p${index}/`,
      url: `https://site.example/p${index}/`,
      authors: (spec.authors ?? []).map((name) => ({ name })),
      tags: spec.tags ?? [],
      bodyLine: 1,
    }),
  )
}

describe('planFeeds', () => {
  it('writes no tag or author feed unless asked', () => {
    const plan = planFeeds(posts({ tags: ['AI'] }), config())
    expect(plan.tags).toEqual([])
    expect(plan.authors).toEqual([])
  })

  it('gathers tags case-insensitively under the most used spelling', () => {
    const plan = planFeeds(
      posts({ tags: ['ai'] }, { tags: ['AI'] }, { tags: ['AI'] }),
      config({ feeds: { tags: true } }),
    )
    expect(plan.tags.map((set) => [set.folder, set.title, set.posts.length])).toEqual([['tags/ai', 'Site — AI', 3]])
    expect(plan.tags[0]?.urls).toEqual({
      rss: 'https://site.example/tags/ai/rss.xml',
      atom: 'https://site.example/tags/ai/atom.xml',
      json: 'https://site.example/tags/ai/feed.json',
    })
  })

  it('holds the newest `limit` posts of a tag', () => {
    const plan = planFeeds(
      posts({ tags: ['A'] }, { tags: ['A'] }, { tags: ['A'] }),
      config({ feeds: { tags: true }, limit: 2 }),
    )
    expect(plan.tags[0]?.posts.map((post) => post.slug)).toEqual(['p0', 'p1'])
  })

  it('writes only the listed tags, and warns about a listed tag no post has', () => {
    const plan = planFeeds(posts({ tags: ['AI', 'Cloud'] }), config({ feeds: { tags: ['cloud', 'Nope'] } }))
    expect(plan.tags.map((set) => set.name)).toEqual(['Cloud'])
    expect(plan.problems.map((problem) => [problem.code, problem.severity, problem.message])).toEqual([
      [
        'FEED_EMPTY',
        'warning',
        'feeds.tags lists "nope", but no published post has that tag — check the spelling, or remove it from the list',
      ],
    ])
  })

  it('names author folders after their site.authors key, and counts the site author for posts without one', () => {
    const plan = planFeeds(
      posts({ authors: ['Ana Lima'] }, { authors: ['Budi'] }, {}),
      config({ feeds: { authors: true } }),
    )
    expect(plan.authors.map((set) => [set.folder, set.name, set.posts.map((post) => post.slug)])).toEqual([
      ['authors/ana', 'Ana Lima', ['p0']],
      ['authors/budi', 'Budi', ['p1']],
      ['authors/desk', 'Desk', ['p2']],
    ])
  })

  it('lists an author by key or by name', () => {
    const byKey = planFeeds(posts({ authors: ['Ana Lima'] }), config({ feeds: { authors: ['ana'] } }))
    const byName = planFeeds(posts({ authors: ['Ana Lima'] }), config({ feeds: { authors: ['Ana Lima'] } }))
    expect(byKey.authors.map((set) => set.folder)).toEqual(['authors/ana'])
    expect(byName.authors.map((set) => set.folder)).toEqual(['authors/ana'])
    expect([...byKey.problems, ...byName.problems]).toEqual([])
  })

  it('keeps in the subscription feed what is newer than the newest full archive page', () => {
    const plan = planFeeds(posts({}, {}, {}, {}, {}, {}), config({ limit: 2, archive: { pageSize: 3 } }))
    expect(plan.main.posts.map((post) => post.slug)).toEqual(['p0', 'p1', 'p2'])
    expect(plan.archivePages.map((page) => page.map((post) => post.slug))).toEqual([['p3', 'p4', 'p5']])
  })

  it('shows every post somewhere with archive pages or no limit, as postsInOutputs answers without a plan', () => {
    const many = posts(...Array.from({ length: 23 }, (_, index) => ({ tags: [`t${index % 3}`] })))
    for (const extra of [
      { limit: 2, archive: { pageSize: 3 } },
      { limit: 5, archive: { pageSize: 4 } },
      { limit: 0 },
    ]) {
      const settled = config({ ...extra, feeds: { tags: true } })
      const plan = planFeeds(many, settled)
      const inPlan = new Set([...plan.main.posts, ...plan.archivePages.flat()])
      expect(many.filter((post) => inPlan.has(post))).toEqual(many)
      expect(postsInOutputs(many, settled)).toEqual(many)
    }
    // Without either, only what the feeds show.
    expect(postsInOutputs(many, config({ limit: 2 })).map((post) => post.slug)).toEqual(['p0', 'p1'])
  })
})
