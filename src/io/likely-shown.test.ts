import { describe, expect, it } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import { resolveConfig } from '../core/config.js'
import type { NormalizeResult } from '../core/normalize.js'
import type { Post } from '../core/post.js'
import { postsInOutputs } from '../core/render-outputs.js'
import { guessShownPosts, LIKELY_SHOWN_AT_MOST } from './likely-shown.js'

const now = new Date('2026-01-01T00:00:00Z')
const configOf = (extra: Record<string, unknown> = {}) =>
  resolveConfig({ site: { title: 'X', url: 'https://x.example/' }, limit: 5, ...extra }, { configPath: '/site/k.json' })

/** `count` posts, one a day from 2025-01-01, named by date: `2025/2025-01-01-p0.md`… */
function datedPosts(count: number): Post[] {
  return Array.from({ length: count }, (_unused, index) => {
    const date = new Date(Date.UTC(2025, 0, 1 + index))
    const name = `${date.toISOString().slice(0, 10)}-p${index}`
    return makePost({
      file: `/site/posts/2025/${name}.md`,
      slug: name,
      date,
      id: `https://x.example/${name}/`,
      url: `https://x.example/${name}/`,
    })
  })
}

function guess(scannedPosts: readonly Post[], config = configOf()): string[] | undefined {
  const results = new Map<string, NormalizeResult>(scannedPosts.map((post) => [post.file, { post, problems: [] }]))
  const scanned = scannedPosts.map((post) => post.file)
  return guessShownPosts(scanned, results, config, { now, neededPosts: postsInOutputs })?.map((post) => post.slug)
}

describe('guessing the posts shown from the first files of a scan', () => {
  it('names the newest when the scan meets them first (names by date, in reverse order)', () => {
    const newestFirst = datedPosts(200).reverse()
    expect(guess(newestFirst)).toEqual(newestFirst.slice(0, 5).map((post) => post.slug))
  })

  it('makes no guess when the newest are spread over the files read (names without dates)', () => {
    const posts = datedPosts(200)
    // A fixed shuffle: every seventh post first, so the five newest are far apart.
    const shuffled = [...posts.filter((_post, index) => index % 7 === 0), ...posts.filter((_p, i) => i % 7 !== 0)]
    expect(guess(shuffled)).toBeUndefined()
    // Oldest first: the newest are the last files read.
    expect(guess(posts)).toBeUndefined()
  })

  it('makes no guess when one of the posts shown was read past the first quarter', () => {
    const newestFirst = datedPosts(200).reverse()
    // The newest post read as the 60th of 200 (past the first quarter, 50): it is shown, so no guess.
    const late = [...newestFirst.slice(1, 60), newestFirst[0] as Post, ...newestFirst.slice(60)]
    expect(guess(late)).toBeUndefined()
    // As the 40th it is within the first quarter.
    const early = [...newestFirst.slice(1, 40), newestFirst[0] as Post, ...newestFirst.slice(40)]
    expect(guess(early)).toEqual(newestFirst.slice(0, 5).map((post) => post.slug))
  })

  it('leaves drafts out, as the selection does', () => {
    const newestFirst = datedPosts(200).reverse()
    newestFirst[0] = { ...(newestFirst[0] as Post), isDraft: true }
    expect(guess(newestFirst)).toEqual(newestFirst.slice(1, 6).map((post) => post.slug))
  })

  it('makes no guess when the outputs would show more posts than a head start is worth', () => {
    const newestFirst = datedPosts(400).reverse()
    expect(guess(newestFirst, configOf({ limit: LIKELY_SHOWN_AT_MOST }))).toHaveLength(LIKELY_SHOWN_AT_MOST)
    expect(guess(newestFirst, configOf({ limit: LIKELY_SHOWN_AT_MOST + 1 }))).toBeUndefined()
    // Every post (no limit): nothing to guess.
    expect(guess(newestFirst, configOf({ limit: 0 }))).toBeUndefined()
  })
})
