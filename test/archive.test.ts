import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseFeed } from '@rowanmanning/feed-parser'
import { SaxesParser } from 'saxes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'

/**
 * RFC 5005 §4.2: a client reads the subscription feed, follows prev-archive
 * (JSON Feed: next_url) from page to page, and de-duplicates entries by id.
 * Walked here with parsers kabar does not use to write: every post must be
 * found, and adding a post must touch only the subscription feed (plus one
 * new page when one fills).
 */

const FEED_URL = 'https://walk.example/'
const NOW = new Date('2026-01-01T00:00:00Z')
let site: string

beforeAll(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-archive-'))
  await writeFile(
    path.join(site, 'kabar.config.json'),
    JSON.stringify({ site: { title: 'Walk', url: FEED_URL }, limit: 3, archive: { pageSize: 4 }, idManifest: false }),
  )
  await mkdir(path.join(site, 'posts'))
})
afterAll(async () => {
  await rm(site, { recursive: true, force: true })
})

/** Post n is dated n days into 2025: a higher number is a newer post. */
async function writePost(n: number, body = `Post number ${n}.`): Promise<void> {
  const date = new Date(Date.UTC(2025, 0, n)).toISOString().slice(0, 10)
  await writeFile(
    path.join(site, 'posts', `post-${String(n).padStart(2, '0')}.md`),
    `---\ntitle: Post ${n}\ndate: ${date}\n---\n${body}\n`,
  )
}

async function buildSite() {
  const report = await build({ cwd: site, now: NOW })
  expect(report.errors).toEqual([])
  return report
}

const readDist = (url: string) => readFile(path.join(site, 'dist', url.slice(FEED_URL.length)), 'utf8')
const postIds = (numbers: number[]) => numbers.map((n) => `${FEED_URL}post-${String(n).padStart(2, '0')}/`).sort()

interface XmlDocumentFacts {
  prevArchive: string | undefined
  current: string | undefined
  isArchive: boolean
}

/** The RFC 5005 bits of an RSS or Atom document, read with a namespace-aware XML parser. */
function historyOf(xml: string): XmlDocumentFacts {
  const facts: XmlDocumentFacts = { prevArchive: undefined, current: undefined, isArchive: false }
  const parser = new SaxesParser({ xmlns: true })
  parser.on('opentag', (tag) => {
    if (tag.uri === 'http://purl.org/syndication/history/1.0' && tag.local === 'archive') facts.isArchive = true
    if (tag.uri !== 'http://www.w3.org/2005/Atom' || tag.local !== 'link') return
    const rel = tag.attributes.rel
    const href = tag.attributes.href
    if (typeof rel !== 'object' || typeof href !== 'object') return
    if (rel.value === 'prev-archive') facts.prevArchive = href.value
    if (rel.value === 'current') facts.current = href.value
  })
  parser.write(xml).close()
  return facts
}

/** Walks an RSS or Atom chain; returns the de-duplicated ids and the documents visited. */
async function walkXml(start: string): Promise<{ ids: string[]; documents: string[] }> {
  const ids = new Set<string>()
  const documents: string[] = []
  let url: string | undefined = start
  while (url !== undefined && !documents.includes(url)) {
    documents.push(url)
    const xml = await readDist(url)
    for (const item of parseFeed(xml).items) if (item.id !== null) ids.add(item.id)
    const history = historyOf(xml)
    if (url !== start) {
      expect(history.isArchive, `${url} is marked fh:archive`).toBe(true)
      expect(history.current, `${url} links current`).toBe(start)
    }
    url = history.prevArchive
  }
  return { ids: [...ids].sort(), documents }
}

async function walkJson(start: string): Promise<{ ids: string[]; documents: string[] }> {
  const ids = new Set<string>()
  const documents: string[] = []
  let url: string | undefined = start
  while (url !== undefined && !documents.includes(url)) {
    documents.push(url)
    const feed = JSON.parse(await readDist(url)) as { items: { id: string }[]; next_url?: string }
    for (const item of feed.items) ids.add(item.id)
    url = feed.next_url
  }
  return { ids: [...ids].sort(), documents }
}

const WALKS = [
  ['RSS', () => walkXml(`${FEED_URL}rss.xml`), 'rss.xml'],
  ['Atom', () => walkXml(`${FEED_URL}atom.xml`), 'atom.xml'],
  ['JSON Feed', () => walkJson(`${FEED_URL}feed.json`), 'json'],
] as const

// One site, built again after each step: the tests run in order.
describe('RFC 5005 archived feeds', () => {
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index)

  it('puts full pages of the oldest posts in the archive, the rest in the subscription feed', async () => {
    for (const n of range(1, 13)) await writePost(n)
    const report = await buildSite()
    // 13 posts, limit 3, pages of 4: 10 could be archived, two pages are full.
    expect(report.feeds).toMatchObject({
      'rss.xml': 5,
      'archive/1.rss.xml': 4,
      'archive/2.rss.xml': 4,
      'archive/1.atom.xml': 4,
      'archive/2.json': 4,
    })
    expect(Object.keys(report.feeds)).not.toContain('archive/3.rss.xml')
  })

  it.each(WALKS)('lets a %s reader walking prev-archive find every post', async (_format, walk, extension) => {
    const { ids, documents } = await walk()
    expect(ids).toEqual(postIds(range(1, 13)))
    expect(documents.slice(1)).toEqual([`${FEED_URL}archive/2.${extension}`, `${FEED_URL}archive/1.${extension}`])
  })

  it('touches only the subscription feed when a post arrives and no page fills', async () => {
    await writePost(14)
    const report = await buildSite()
    expect(report.written).toEqual(['rss.xml', 'atom.xml', 'feed.json'])
    expect(report.feeds['rss.xml']).toBe(6)
  })

  it('adds exactly one page when the next post fills it, leaving the others untouched', async () => {
    const pageOne = await readDist(`${FEED_URL}archive/1.atom.xml`)
    await writePost(15)
    const report = await buildSite()
    expect(report.written).toEqual([
      'rss.xml',
      'atom.xml',
      'feed.json',
      'archive/3.rss.xml',
      'archive/3.atom.xml',
      'archive/3.json',
    ])
    expect(report.feeds['rss.xml']).toBe(3)
    expect(await readDist(`${FEED_URL}archive/1.atom.xml`)).toBe(pageOne)
    for (const [, walk] of WALKS) expect((await walk()).ids).toEqual(postIds(range(1, 15)))
  })

  it('rewrites only the page of an edited post', async () => {
    await writePost(2, 'Post number 2, corrected.')
    const report = await buildSite()
    expect(report.written).toEqual(['archive/1.rss.xml', 'archive/1.atom.xml', 'archive/1.json'])
  })
})
