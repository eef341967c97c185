import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type BuildOptions, build } from '../src/build.js'
import { normalizePost } from '../src/core/normalize.js'
import { postsInOutputs } from '../src/core/render-outputs.js'
import { nodeFileSystem } from '../src/io/file-system.js'
import { loadConfig } from '../src/io/load-config.js'
import { PostStore, renderWithEarly } from '../src/io/post-store.js'
import { createBuildSession } from '../src/session.js'
import { makePost } from './helpers/posts.js'

/**
 * The incremental engine: what it reads, normalizes and renders, and that
 * its output is always what reading every post afresh gives. The reference
 * build reads every post whole and keeps nothing (an injected file system
 * takes that path), so it shares no cache or store with the engine.
 */

const NOW = new Date('2026-01-01T00:00:00Z')
/** A run's counts when every post came from memory or the cache. */
const NOTHING_READ = { listed: 8, read: 0, readWhole: 0, normalized: 0, rendered: 0, renderedEarly: 0 }
const FEEDS = ['rss.xml', 'atom.xml', 'feed.json']
/** Long enough that a post's head (its first 4 KB) is not the whole file. */
const LONG_BODY = Array.from(
  { length: 120 },
  (_, index) => `Paragraf ${index + 1} dengan [tautan](../lain-${index}/) dan teks yang cukup panjang.`,
).join('\n\n')

let site: string

function postText(index: number, body = LONG_BODY): string {
  const day = String(index + 1).padStart(2, '0')
  return `---\ntitle: Pos nomor ${index + 1}\ndate: 2025-03-${day} 08:00\ntags: [uji, cache]\n---\n\n${body}\n`
}

const postPath = (index: number) => path.join(site, 'posts', `pos-${index + 1}.md`)

let ticks = 0

/**
 * Writes a post dated a while back, as a file not written an instant ago is:
 * the store trusts only such stamps (see the racy test below).
 */
async function writePost(index: number, text: string | Buffer): Promise<void> {
  await writeFile(postPath(index), text)
  const time = new Date(Date.UTC(2025, 0, 1) + ++ticks * 1000)
  await utimes(postPath(index), time, time)
}

beforeEach(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-store-'))
  await mkdir(path.join(site, 'posts'))
  for (let index = 0; index < 8; index++) await writePost(index, postText(index))
  await writeConfig({ limit: 2 })
})
afterEach(async () => {
  await rm(site, { recursive: true, force: true })
})

async function writeConfig(extra: Record<string, unknown>): Promise<void> {
  const config = { site: { title: 'Uji', url: 'https://uji.example/', timezone: 'Asia/Jakarta' }, ...extra }
  await writeFile(path.join(site, 'kabar.config.json'), JSON.stringify(config))
}

const options = (extra: Partial<BuildOptions> = {}): BuildOptions => ({ cwd: site, now: NOW, ...extra })

const readFeeds = (out = path.join(site, 'dist')) =>
  Promise.all(FEEDS.map((name) => readFile(path.join(out, name), 'utf8')))

/** The feeds from reading every post whole, with no store and no cache. */
async function referenceFeeds(): Promise<string[]> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'kabar-store-reference-'))
  try {
    const report = await build(options({ out, cache: false, fileSystem: nodeFileSystem }))
    expect(report.errors).toEqual([])
    return await readFeeds(out)
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

describe('the post store', () => {
  it('reads whole only the posts a feed shows, and the heads of the rest', async () => {
    const session = createBuildSession(options({ cache: false }))
    const report = await session.run()
    session.close()
    expect(report.errors).toEqual([])
    expect(session.lastRun).toEqual({
      listed: 8,
      read: 10,
      readWhole: 2,
      normalized: 10,
      rendered: 2,
      renderedEarly: 0,
      renderingsTaken: 0,
    })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('reads, normalizes and renders nothing when nothing changed, and rewrites no feed', async () => {
    const session = createBuildSession(options({ cache: false }))
    await session.run()
    const report = await session.run()
    session.close()
    expect(session.lastRun).toEqual({ ...NOTHING_READ, renderingsTaken: 2 })
    expect(report.written).toEqual([])
    expect(report.unchanged).toEqual(FEEDS)
  })

  it('takes everything from the cache in a new process, and writes the same feeds', async () => {
    await build(options())
    expect(existsSync(path.join(site, '.cache', 'kabar', 'kabar.config.json', 'index.bin'))).toBe(true)
    await rm(path.join(site, 'dist'), { recursive: true })
    const session = createBuildSession(options())
    await session.run()
    session.close()
    expect(session.lastRun).toEqual({ ...NOTHING_READ, renderingsTaken: 2 })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('reads and renders only the post that changed in a full archive', async () => {
    await writeConfig({ limit: 0 })
    // The edited post read and rendered again; the other 7 renderings, remembered, taken for the one feed.
    const ONE_POST_READ = {
      listed: 8,
      read: 1,
      readWhole: 1,
      normalized: 1,
      rendered: 1,
      renderedEarly: 0,
      renderingsTaken: 7,
    }
    const session = createBuildSession(options({ cache: false }))
    await session.run()
    expect(session.lastRun.rendered).toBe(8)
    await writePost(4, postText(4, `${LONG_BODY}\n\nSatu paragraf baru.`))
    await session.run({ changed: [postPath(4)] })
    expect(session.lastRun).toEqual(ONE_POST_READ)
    await writePost(6, postText(6, `${LONG_BODY}\n\nParagraf lain.`))
    await session.run()
    session.close()
    expect(session.lastRun).toEqual(ONE_POST_READ)
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('renders a post edited since the last build while the cache opens, and writes what reading afresh gives', async () => {
    await writeConfig({ limit: 0 })
    // Twice: the first build writes the id manifest, so it leaves no memo for the next to compare with.
    await build(options())
    await build(options())
    // Edited after the cache was saved, as an editor's save before a publish hook's build is.
    const edited = postText(4, `${LONG_BODY}\n\nSatu paragraf baru.`)
    await writeFile(postPath(4), edited)
    const later = new Date(Date.now() + 60_000)
    await utimes(postPath(4), later, later)
    const session = createBuildSession(options())
    await session.run()
    session.close()
    expect(session.lastRun).toMatchObject({ read: 1, rendered: 1, renderedEarly: 1 })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('takes an early rendering only for the very key it was rendered with, and renders the rest in order', async () => {
    const post = (name: string) => makePost({ file: `/posts/${name}.md` })
    const result = (html: string) => ({ html, summaryText: html, warnings: [] })
    const toRender = ['a', 'b', 'c', 'd'].map((name) => ({ post: post(name), key: `key-${name}` }))
    const early = new Map([
      // The same key: taken.
      ['/posts/a.md', { key: 'key-a', result: Promise.resolve(result('early a')) }],
      // Rendered early as it was then: the post changed since.
      ['/posts/b.md', { key: 'key-b-before', result: Promise.resolve(result('early b')) }],
      // Failed: rendered again.
      ['/posts/d.md', { key: 'key-d', result: Promise.resolve(undefined) }],
    ])
    const asked: string[] = []
    const { rendered, fromEarly } = await renderWithEarly(toRender, early, async (posts) => {
      asked.push(...posts.map((one) => one.file))
      return posts.map((one) => result(`now ${one.file}`))
    })
    expect(asked).toEqual(['/posts/b.md', '/posts/c.md', '/posts/d.md'])
    expect(rendered.map((one) => one.html)).toEqual([
      'early a',
      'now /posts/b.md',
      'now /posts/c.md',
      'now /posts/d.md',
    ])
    expect(fromEarly).toBe(1)
  })

  it('renders nothing again for a file whose time changed but whose bytes did not', async () => {
    const session = createBuildSession(options({ cache: false }))
    await session.run()
    const later = new Date('2026-02-01T00:00:00Z')
    await utimes(postPath(7), later, later)
    await session.run()
    session.close()
    expect(session.lastRun.read).toBe(1)
    expect(session.lastRun.rendered).toBe(0)
  })

  it('picks up a post that moves into the feed, reading it whole then', async () => {
    const session = createBuildSession(options({ cache: false }))
    await session.run()
    await writePost(0, postText(0).replace('2025-03-01', '2025-04-30'))
    await session.run({ changed: [postPath(0)] })
    session.close()
    expect(session.lastRun).toEqual({
      listed: 8,
      read: 2,
      readWhole: 1,
      normalized: 2,
      rendered: 1,
      renderedEarly: 0,
      renderingsTaken: 1,
    })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('reads again a file written an instant before it was read, though its size and time come back the same', async () => {
    const session = createBuildSession(options({ cache: false }))
    // A whole second, so that setting it again gives the very same stamp.
    const now = Math.floor(Date.now() / 1000)
    await writeFile(postPath(7), postText(7).replace('Pos nomor 8', 'Pos nomor X'))
    await utimes(postPath(7), now, now)
    await session.run()
    // Same size, same time, other text: a write in the same tick of the file clock.
    await writeFile(postPath(7), postText(7).replace('Pos nomor 8', 'Pos nomor Y'))
    await utimes(postPath(7), now, now)
    await session.run()
    session.close()
    expect(await readFile(path.join(site, 'dist', 'rss.xml'), 'utf8')).toContain('Pos nomor Y')
  })

  it('never trusts a damaged cache', async () => {
    await build(options())
    const folder = path.join(site, '.cache', 'kabar', 'kabar.config.json')
    for (const name of await readdir(folder)) {
      const file = path.join(folder, name)
      const bytes = await readFile(file)
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff
      await writeFile(file, bytes)
    }
    await rm(path.join(site, 'dist'), { recursive: true })
    const session = createBuildSession(options())
    const report = await session.run()
    session.close()
    expect(report.errors).toEqual([])
    expect(session.lastRun.read).toBe(10)
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('re-renders a post whose stored rendering is damaged, and only that one', async () => {
    await build(options())
    const folder = path.join(site, '.cache', 'kabar', 'kabar.config.json')
    const segment = (await readdir(folder)).find((name) => name.startsWith('renders-')) as string
    const bytes = await readFile(path.join(folder, segment))
    bytes[20] = (bytes[20] ?? 0) ^ 0xff
    await writeFile(path.join(folder, segment), bytes)
    await rm(path.join(site, 'dist'), { recursive: true })
    const session = createBuildSession(options())
    await session.run()
    session.close()
    expect(session.lastRun.rendered).toBe(1)
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('reports a bad byte in the body of a post a feed shows, as reading every post does', async () => {
    const bytes = Buffer.concat([Buffer.from(postText(7, 'Awal yang baik.\n\nLalu ')), Buffer.from([0xff, 0x0a])])
    await writePost(7, bytes)
    const stored = await build(options({ cache: false }))
    const reference = await build(options({ cache: false, fileSystem: nodeFileSystem, out: path.join(site, 'x') }))
    expect(stored.errors).toEqual(reference.errors)
    expect(stored.errors.map((problem) => [problem.code, problem.line])).toEqual([['POST_NOT_UTF8', 10]])
    expect(stored.posts).toEqual(reference.posts)
  })

  it('checks a post no feed shows by its frontmatter only: its body is never read', async () => {
    await writePost(0, postText(0, `${LONG_BODY}\n\nKarakter kontrol \u0001 di sini.`))
    const report = await build(options({ cache: false }))
    expect(report.errors).toEqual([])
    expect(report.warnings).toEqual([])
    await writeConfig({ limit: 0 })
    const everything = await build(options({ cache: false }))
    expect(everything.warnings.map((problem) => problem.code)).toEqual(['CHARACTERS_REMOVED'])
  })
})

describe('memory', () => {
  it('keeps no post file text once the feeds are made: not in a title cut from it, not in a body', async () => {
    setFlagsFromString('--expose-gc')
    const collectGarbage = runInNewContext('gc') as () => void
    await writeConfig({ limit: 0 })
    // 30 posts (a day of March each) of 520 KB, most of it an HTML comment that renders to nothing: 16 MB of text.
    const filler = `<!-- ${'isi '.repeat(130_000)} -->`
    for (let index = 0; index < 30; index++) {
      // An email long enough that V8 would cut it out of the text without copying it, as a slug from a file name.
      const text = postText(index, `Paragraf pendek.\n\n${filler}`)
      await writePost(index, text.replace(/^title: .*$/m, '$&\nauthor: {name: Redaksi, email: redaksi@nemes.example}'))
    }
    collectGarbage()
    const before = process.memoryUsage().heapUsed
    const session = createBuildSession(options({ cache: false }))
    const report = await session.run()
    expect(report.posts.shown).toBe(30)
    collectGarbage()
    const held = process.memoryUsage().heapUsed - before
    // The session keeps its records, renderings and selection memo for the next run: a few MB, not 16.
    expect(held).toBeLessThan(6 * 1024 * 1024)
    session.close()
  })
})

describe('what the records of many posts share', () => {
  const AUTHORS =
    '[{name: Redaksi Nemes Corp, email: redaksi@nemes.example}, {name: Sari, url: "https://sari.example/"}]'

  /** The posts a store keeps of 1,500 posts, each with the frontmatter `frontmatterOf` gives, and the heap it takes. */
  async function keptOf(frontmatterOf: (index: number) => string) {
    setFlagsFromString('--expose-gc')
    const collectGarbage = runInNewContext('gc') as () => void
    await rm(path.join(site, 'posts'), { recursive: true })
    await mkdir(path.join(site, 'posts'))
    for (let index = 0; index < 1500; index++) {
      const text = `---\ntitle: Pos ${index}\ndate: 2025-03-01 08:00\n${frontmatterOf(index)}\n---\n\nIsi.\n`
      await writeFile(path.join(site, 'posts', `pos-${index}.md`), text)
    }
    const config = await loadConfig(site)
    const loadOptions = { now: NOW, includeDrafts: false, includeFuture: false, neededPosts: postsInOutputs }
    const store = new PostStore({ cache: false, parallelScan: { fromFiles: Number.POSITIVE_INFINITY } })
    collectGarbage()
    const before = process.memoryUsage().heapUsed
    await store.load(config, loadOptions)
    collectGarbage()
    const held = process.memoryUsage().heapUsed - before
    const posts = [...store.records.values()].map((record) => record.normalized?.result.post)
    return { held, posts }
  }

  // Each post parsed had its own author objects and its own copy of each tag: at 100,000 posts,
  // 29 MB of what the records held.
  it('keeps one author list and one copy of each tag for all the posts that have them', async () => {
    // Tags of the same length, but each post's own: no two posts could share them.
    const tagsOf = (index: number) =>
      Array.from({ length: 20 }, (_, tag) => `topik-panjang-${String(index).padStart(4, '0')}-nomor-${tag}`)
    await keptOf(() => '') // The first load of a process also holds what it compiled.
    const own = await keptOf((index) => `tags: [${tagsOf(index).join(', ')}]\nauthor: ${AUTHORS}`)
    const same = await keptOf(() => `tags: [${tagsOf(0).join(', ')}]\nauthor: ${AUTHORS}`)
    expect(new Set(same.posts.map((post) => post?.authors)).size).toBe(1)
    expect(same.posts.every((post) => post?.tags.join() === tagsOf(0).join())).toBe(true)
    // Measured: 7.0 MB for tags of their own, 1.8 MB shared; 4.4 MB when each post kept its copies.
    expect(same.held).toBeLessThan(own.held * 0.4)
  })
})

describe('the post cache journal', () => {
  const cacheFile = (name: string) => path.join(site, '.cache', 'kabar', 'kabar.config.json', name)

  /** A new process's build: what it read and rendered, from the cache as the builds before left it. */
  async function buildInNewSession() {
    await rm(path.join(site, 'dist'), { recursive: true, force: true })
    const session = createBuildSession(options())
    const report = await session.run()
    session.close()
    expect(report.errors).toEqual([])
    return session.lastRun
  }

  it('takes the records one edit changed, beside an index left as it was, and a new process reads both', async () => {
    await build(options())
    const indexBefore = await stat(cacheFile('index.bin'))
    await writePost(7, postText(7, 'Isi yang disunting.'))
    await build(options())
    expect((await stat(cacheFile('index.bin'))).mtimeMs).toBe(indexBefore.mtimeMs)
    expect(existsSync(cacheFile('journal.bin'))).toBe(true)
    // The edited post's record and rendering came from the journal: nothing read or rendered.
    expect(await buildInNewSession()).toMatchObject({ read: 0, normalized: 0, rendered: 0 })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('is not applied when damaged: what it held is read again', async () => {
    await build(options())
    await writePost(7, postText(7, 'Isi yang disunting.'))
    await build(options())
    const bytes = await readFile(cacheFile('journal.bin'))
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff
    await writeFile(cacheFile('journal.bin'), bytes)
    expect(await buildInNewSession()).toMatchObject({ read: 1, rendered: 1 })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })

  it('is kept apart for each config in one folder, so that neither undoes the other', async () => {
    await writeFile(
      path.join(site, 'kabar.archive.json'),
      JSON.stringify({ site: { title: 'Arsip', url: 'https://uji.example/', timezone: 'Asia/Jakarta' }, limit: 0 }),
    )
    const archive = { config: 'kabar.archive.json', out: path.join(site, 'dist-archive') }
    await build(options())
    await build(options(archive))
    // The first config's records were normalized with its own config: a new process reads none again.
    expect(await buildInNewSession()).toMatchObject({ read: 0, normalized: 0, rendered: 0 })
    const session = createBuildSession(options(archive))
    await session.run()
    session.close()
    expect(session.lastRun).toMatchObject({ read: 0, normalized: 0, rendered: 0 })
  })

  it('is not applied to another index than its own', async () => {
    await build(options())
    await writePost(7, postText(7, 'Suntingan pertama.'))
    await build(options())
    const firstJournal = await readFile(cacheFile('journal.bin'))
    await writePost(7, postText(7, 'Suntingan kedua.'))
    await rm(path.join(site, '.cache'), { recursive: true })
    await build(options())
    // The first edit's journal, beside an index written since: applied, it would bring back a stale record.
    await writeFile(cacheFile('journal.bin'), firstJournal)
    expect(await buildInNewSession()).toMatchObject({ read: 0, rendered: 0 })
    expect(await readFeeds()).toEqual(await referenceFeeds())
  })
})

describe('normalizing without a preset', () => {
  it('gives the same post at any time after its dates, so the store may keep it', async () => {
    const config = await loadConfig(path.resolve(import.meta.dirname, '..'))
    const postsDir = config.postsDir
    for (const name of await readdir(postsDir)) {
      const source = {
        path: path.join(postsDir, name),
        relativePath: name,
        text: await readFile(path.join(postsDir, name), 'utf8'),
      }
      const soon = normalizePost(source, { config: { ...config, activePreset: undefined }, now: NOW })
      const later = normalizePost(source, {
        config: { ...config, activePreset: undefined },
        now: new Date('2031-06-15T12:00:00Z'),
      })
      expect(later, name).toEqual(soon)
    }
  })
})

describe('the config cache', () => {
  it('takes an unchanged JSON config as resolved last time, and reads a changed one again', async () => {
    await build(options())
    expect(existsSync(path.join(site, '.cache', 'kabar', 'kabar.config.json', 'config.bin'))).toBe(true)
    await writeConfig({ limit: 2, site: { title: 'Uji lagi', url: 'https://uji.example/', timezone: 'Asia/Jakarta' } })
    await build(options())
    expect(await readFile(path.join(site, 'dist', 'rss.xml'), 'utf8')).toContain('<title>Uji lagi</title>')
    await writeConfig({ limit: 'dua' })
    const report = await build(options())
    expect(report.errors.map((problem) => problem.code)).toEqual(['CONFIG_INVALID'])
  })
})

describe('the build memo', () => {
  it('takes the fingerprint a store updates piece by piece after edits to be the one a fresh store makes', async () => {
    const shortPost = (index: number, words: string) =>
      `---\ntitle: Pos pendek ${index}\ndate: 2024-01-01 08:00\n---\n\n${words} ${index}.\n`
    for (let index = 8; index < 600; index++) await writePost(index, shortPost(index, 'Isi'))
    const config = await loadConfig(site)
    const loadOptions = { now: NOW, includeDrafts: false, includeFuture: false, neededPosts: postsInOutputs }
    const kept = new PostStore({ cache: false })
    const first = await kept.load(config, loadOptions)
    // Posts in the first piece of 256 paths and in a later one.
    let edited = first
    for (const index of [9, 400]) {
      await writePost(index, shortPost(index, 'Isi yang disunting'))
      edited = await kept.load(config, { ...loadOptions, changes: { changed: [postPath(index)] } })
    }
    const fresh = await new PostStore({ cache: false }).load(config, loadOptions)
    expect(edited?.fingerprint).toBeDefined()
    expect(edited?.fingerprint).not.toBe(first?.fingerprint)
    expect(edited?.fingerprint).toBe(fresh?.fingerprint)
  })

  it('lets a build stand when nothing it was built from changed, and only then', async () => {
    const first = await build(options())
    expect(first.written).toEqual(FEEDS)
    const session = createBuildSession(options())
    const again = await session.run()
    expect(session.lastRun).toEqual({ ...NOTHING_READ, renderingsTaken: 0 })
    expect(again).toEqual({ ...first, written: [], unchanged: FEEDS })

    // A feed changed on disk is written again.
    await writeFile(path.join(site, 'dist', 'rss.xml'), 'not a feed')
    const repaired = await build(options())
    expect(repaired.written).toEqual(['rss.xml'])
    expect(await readFeeds()).toEqual(await referenceFeeds())

    // A check after a build is no build: it writes nothing, and says so.
    const check = await build(options({ dryRun: true }))
    expect([check.written, check.unchanged]).toEqual([[], []])

    // A different option is a different build.
    const preview = await build(options({ drafts: true }))
    expect(preview.written).toEqual([])
    expect(preview.posts).toEqual(first.posts)

    // A post that comes due ends the memo's time.
    await writePost(0, postText(0).replace('2025-03-01', '2026-02-01'))
    const withFuture = await build(options())
    expect(withFuture.nextFutureDate).toBe('2026-02-01T01:00:00.000Z')
    const later = await build(options({ now: new Date('2026-03-01T00:00:00Z') }))
    expect(later.posts.future).toBe(0)
    expect(later.written).toEqual(FEEDS)
  })
})
