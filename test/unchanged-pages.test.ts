import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { build, runBuild } from '../src/build.js'
import { BuildMemoStore } from '../src/io/build-memo.js'
import { cacheFolderFor, PostCache } from '../src/io/post-cache.js'
import { PostStore } from '../src/io/post-store.js'
import { createBuildSession } from '../src/session.js'

/**
 * After one post is edited, a build serializes only the feeds that show it:
 * the subscription feed and the one archive page (and tag feed) holding the
 * post. Every other file on disk was written from the same inputs and is
 * left as it is. Counted by wrapping the format serializers.
 */

const serialized = vi.hoisted(() => [] as string[])
vi.mock('../src/formats/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/formats/index.js')>()
  type Serialize = (typeof original.formatChunks)['rss']
  const counted =
    (format: string, serialize: Serialize): Serialize =>
    (feed) => {
      serialized.push(`${format} ${feed.title}`)
      return serialize(feed)
    }
  return {
    ...original,
    formatChunks: {
      rss: counted('rss', original.formatChunks.rss),
      atom: counted('atom', original.formatChunks.atom),
      json: counted('json', original.formatChunks.json),
    },
  }
})

const NOW = new Date('2026-01-01T00:00:00Z')
const POSTS = 12
let site: string

beforeAll(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-unchanged-pages-'))
  await writeFile(
    path.join(site, 'kabar.config.json'),
    JSON.stringify({
      site: { title: 'Pages', url: 'https://pages.example/' },
      limit: 2,
      archive: { pageSize: 3 },
      feeds: { tags: true },
      output: { html: true, opml: true },
      preset: 'none',
      idManifest: false,
    }),
  )
  await mkdir(path.join(site, 'posts'))
  for (let n = 1; n <= POSTS; n++) await writePost(n, `Post number ${n}.`)
})
afterAll(async () => {
  await rm(site, { recursive: true, force: true })
})
beforeEach(() => {
  serialized.length = 0
})

/** Post n is dated n days into 2025; posts 1-3 are archive page 1, 4-6 page 2, 7-9 page 3. */
async function writePost(n: number, body: string): Promise<void> {
  const date = new Date(Date.UTC(2025, 0, n)).toISOString().slice(0, 10)
  const tag = n % 2 === 0 ? 'even' : 'odd'
  await writeFile(
    path.join(site, 'posts', `post-${String(n).padStart(2, '0')}.md`),
    `---\ntitle: Post ${n}\ndate: ${date}\ntags: [${tag}]\n---\n${body}\n`,
  )
}

async function distOf(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const name of (await readdir(path.join(dir, 'dist'), { recursive: true })).sort()) {
    const file = path.join(dir, 'dist', name)
    if ((await stat(file)).isFile()) files.set(name.split(path.sep).join('/'), await readFile(file))
  }
  return files
}

describe('a build after one post changed', () => {
  it('serializes only the feeds showing that post, and writes the same bytes as a build without a cache', async () => {
    const first = await build({ cwd: site, now: NOW })
    expect(first.errors).toEqual([])
    expect(Object.keys(first.feeds)).toContain('archive/3.atom.xml')
    expect(serialized.length).toBe(Object.keys(first.feeds).length)

    serialized.length = 0
    await writePost(5, 'Post number 5, edited.')
    const second = await build({ cwd: site, now: NOW })
    expect(second.errors).toEqual([])
    // Post 5 is on page 2; the subscription feed (posts 10-12) and the tag feeds (newest 2) do not show it.
    expect(serialized.sort()).toEqual([
      'atom Pages — archive, page 2',
      'json Pages — archive, page 2',
      'rss Pages — archive, page 2',
    ])
    expect(second.written.sort()).toEqual(['archive/2.atom.xml', 'archive/2.json', 'archive/2.rss.xml'])
    expect(second.unchanged).toContain('archive/1.rss.xml')
    expect(second.feeds).toEqual(first.feeds)

    serialized.length = 0
    await writePost(11, 'Post number 11, edited.')
    const third = await build({ cwd: site, now: NOW })
    expect(serialized.sort()).toEqual([
      'atom Pages',
      'atom Pages — odd',
      'json Pages',
      'json Pages — odd',
      'rss Pages',
      'rss Pages — odd',
    ])
    expect(third.written.sort()).toEqual([
      'atom.xml',
      'feed.html',
      'feed.json',
      'rss.xml',
      'tags/odd/atom.xml',
      'tags/odd/feed.json',
      'tags/odd/rss.xml',
    ])

    // The same posts built from nothing, without a cache: byte for byte the same files.
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'kabar-unchanged-pages-fresh-'))
    try {
      await cp(path.join(site, 'posts'), path.join(fresh, 'posts'), { recursive: true })
      await cp(path.join(site, 'kabar.config.json'), path.join(fresh, 'kabar.config.json'))
      const report = await build({ cwd: fresh, now: NOW, cache: false })
      expect(report.errors).toEqual([])
      expect(await distOf(site)).toEqual(await distOf(fresh))
    } finally {
      await rm(fresh, { recursive: true, force: true })
    }
  })

  it('serializes a page again when its file was changed by hand, and a check serializes nothing it can vouch for', async () => {
    await build({ cwd: site, now: NOW })
    const page = path.join(site, 'dist', 'archive', '1.rss.xml')
    const bytes = await readFile(page)
    await writeFile(page, 'damaged')
    serialized.length = 0
    const report = await build({ cwd: site, now: NOW })
    expect(serialized).toEqual(['rss Pages — archive, page 1'])
    expect(report.written).toEqual(['archive/1.rss.xml'])
    expect(await readFile(page)).toEqual(bytes)

    await writePost(2, 'Post number 2, edited for a check.')
    serialized.length = 0
    const check = await build({ cwd: site, now: NOW, dryRun: true })
    expect(check.errors).toEqual([])
    expect(serialized.sort()).toEqual([
      'atom Pages — archive, page 1',
      'json Pages — archive, page 1',
      'rss Pages — archive, page 1',
    ])
  })

  it('reads back only the stored renderings of the posts in the files it serializes', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    try {
      expect((await session.run()).errors).toEqual([])
      await writePost(5, 'Post number 5, edited for the renderings count.')
      serialized.length = 0
      expect((await session.run()).errors).toEqual([])
      expect(serialized.sort()).toEqual([
        'atom Pages — archive, page 2',
        'json Pages — archive, page 2',
        'rss Pages — archive, page 2',
      ])
      // Page 2 shows posts 4-6 (5 rendered again, 4 and 6 read back); feed.html, always made,
      // shows the subscription feed's 10-12. Not the 12 posts the files show between them.
      expect(session.lastRun.rendered).toBe(1)
      expect(session.lastRun.renderingsTaken).toBe(5)
    } finally {
      session.close()
    }
  })

  it('serializes a page again when only a title on it changed, in a new build reading the cache', async () => {
    await build({ cwd: site, now: NOW })
    // The posts' item digests are in the cache, for the next build.
    const cache = PostCache.open(cacheFolderFor(path.join(site, 'kabar.config.json')))
    expect(cache.records.get(path.join(site, 'posts', 'post-04.md'))?.normalized?.itemDigest?.digest).toMatch(
      /^[\w-]{27}$/,
    )
    // The body stays the same, and so does the post's rendering: its item does not.
    const file = path.join(site, 'posts', 'post-04.md')
    await writeFile(file, (await readFile(file, 'utf8')).replace('title: Post 4', 'title: Post four'))
    serialized.length = 0
    const report = await build({ cwd: site, now: NOW })
    expect(serialized.sort()).toEqual([
      'atom Pages — archive, page 2',
      'json Pages — archive, page 2',
      'rss Pages — archive, page 2',
    ])
    expect(await readFile(path.join(site, 'dist', 'archive', '2.rss.xml'), 'utf8')).toContain(
      '<title>Post four</title>',
    )
    expect(report.written.sort()).toEqual(['archive/2.atom.xml', 'archive/2.json', 'archive/2.rss.xml'])
  })

  it('hashes a page by the item digests its posts keep, made once a post is normalized', async () => {
    // Written long enough ago that its stamp is trusted: a file written the instant before a build is
    // read again, and normalized again, every time (see RACY_WINDOW_MS), so it keeps no digest.
    const past = new Date(Date.now() - 60_000)
    await utimes(path.join(site, 'posts', 'post-01.md'), past, past)
    const posts = new PostStore()
    const memo = new BuildMemoStore()
    const run = () => runBuild({ cwd: site, now: NOW }, { posts, memo })
    expect((await run()).errors).toEqual([])
    const digestOf = (n: number) =>
      posts.records.get(path.join(site, 'posts', `post-${String(n).padStart(2, '0')}.md`))?.normalized?.itemDigest
    expect(digestOf(1)?.digest).toMatch(/^[\w-]{27}$/)
    // A digest kept for post 1 (page 1) goes into page 1's hash in place of the post's fields.
    const kept = digestOf(1) as { renderingKey: string; digest: string }
    kept.digest = 'another-digest'
    await writePost(5, 'Post number 5, edited beside a kept digest.')
    serialized.length = 0
    expect((await run()).errors).toEqual([])
    expect(serialized.sort()).toEqual([
      'atom Pages — archive, page 1',
      'atom Pages — archive, page 2',
      'json Pages — archive, page 1',
      'json Pages — archive, page 2',
      'rss Pages — archive, page 1',
      'rss Pages — archive, page 2',
    ])
    // Post 5 was read again: its digest is made again, for its new body's rendering.
    expect(digestOf(5)?.renderingKey).toBe(posts.records.get(path.join(site, 'posts', 'post-05.md'))?.rendered?.key)
  })

  it('with the cache deleted serializes everything again', async () => {
    await build({ cwd: site, now: NOW })
    await rm(path.join(site, '.cache'), { recursive: true, force: true })
    serialized.length = 0
    const report = await build({ cwd: site, now: NOW })
    expect(serialized.length).toBe(Object.keys(report.feeds).length)
    expect(report.written).toEqual([])
  })
})
