import { describe, expect, it } from 'vitest'
import { archivePagePath, splitArchive } from './archive.js'

/** Posts 1..n, newest first, as feeds list them. */
const newestFirst = (count: number) => Array.from({ length: count }, (_, index) => count - index)

describe('splitArchive', () => {
  it('archives nothing while there are no more posts than the limit', () => {
    expect(splitArchive(newestFirst(3), 3, 2)).toEqual({ current: [3, 2, 1], pages: [] })
  })

  it('publishes a page only when it is full, oldest posts first', () => {
    expect(splitArchive(newestFirst(4), 3, 2)).toEqual({ current: [4, 3, 2, 1], pages: [] })
    expect(splitArchive(newestFirst(5), 3, 2)).toEqual({ current: [5, 4, 3], pages: [[2, 1]] })
    expect(splitArchive(newestFirst(8), 3, 2)).toEqual({
      current: [8, 7, 6, 5],
      pages: [
        [2, 1],
        [4, 3],
      ],
    })
  })

  it('keeps between limit and limit + page size - 1 posts in the subscription feed', () => {
    for (let count = 3; count < 40; count++) {
      const { current, pages } = splitArchive(newestFirst(count), 3, 5)
      expect(current.length).toBeGreaterThanOrEqual(3)
      expect(current.length).toBeLessThan(3 + 5)
      expect(current.length + pages.flat().length).toBe(count)
    }
  })

  it('never changes an existing page when a newer post arrives', () => {
    const before = splitArchive(newestFirst(9), 2, 3).pages
    const after = splitArchive(newestFirst(10), 2, 3).pages
    expect(after.slice(0, before.length)).toEqual(before)
  })

  it('archives nothing when the limit is 0 (every post in the feed)', () => {
    expect(splitArchive(newestFirst(7), 0, 2)).toEqual({ current: newestFirst(7), pages: [] })
  })
})

describe('archive page paths', () => {
  it('names each format differently', () => {
    expect(archivePagePath(3, 'rss')).toBe('archive/3.rss.xml')
    expect(archivePagePath(3, 'atom')).toBe('archive/3.atom.xml')
    expect(archivePagePath(3, 'json')).toBe('archive/3.json')
  })
})
