import { type ChildProcess, spawn } from 'node:child_process'
import { watch as watchFolder } from 'node:fs'
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import { main } from '../src/cli/main.js'
import { loadConfigIsolated } from '../src/io/load-config-isolated.js'
import { type RebuiltEvent, type Watcher, type WatchOptions, watch } from '../src/io/watch.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const NOW = new Date('2026-01-01T00:00:00Z')
const FEEDS = ['atom.xml', 'feed.json', 'rss.xml']
/** How long a test waits for a rebuild before failing: generous, for a busy CI machine. */
const REBUILD_TIMEOUT_MS = 15_000
/** The newest published post of the test site: a change to it shows in every feed. */
const NEWEST = 'posts/2025-03-05-kapitalisasi-pasar.md'
const IMAGE = 'public/images/sampul.jpg'

let site: string
let watchers: Watcher[]
let watchErrors: Error[]

const at = (relative: string) => path.join(site, relative)

const postText = (title: string, date: string, body = `About ${title}.`, extra = '') =>
  `---\ntitle: ${JSON.stringify(title)}\ndate: ${date}\nsummary: ${JSON.stringify(`Summary of ${title}`)}\n${extra}---\n\n${body}\n`

/**
 * A small site of its own rather than a copy of the repository's sample, so
 * these tests do not change when the sample grows: four published posts
 * (one with an image in publicDir) and a draft.
 */
async function writeSite(folder: string): Promise<void> {
  const config = {
    site: { title: 'Watch test', url: 'https://watch.example/', language: 'id', timezone: 'Asia/Jakarta' },
    permalink: '/:year/:month/:slug/',
    publicDir: 'public',
    posts: 'posts',
    out: 'dist',
    limit: 20,
    idManifest: false,
  }
  await mkdir(path.join(folder, 'posts'), { recursive: true })
  await mkdir(path.join(folder, 'public/images'), { recursive: true })
  await writeFile(path.join(folder, 'kabar.config.json'), `${JSON.stringify(config, null, 2)}\n`)
  await writeFile(path.join(folder, IMAGE), Buffer.alloc(5411, 1))
  const posts: [name: string, title: string, date: string, extra?: string][] = [
    ['2025-01-28-biaya-pelatihan.md', 'Biaya pelatihan murah', '2025-01-28 09:00'],
    ['2025-02-10-belanja-cloud.md', 'Belanja cloud raksasa', '2025-02-10 09:00'],
    ['2025-02-25-investasi-ai.md', 'Investasi AI', '2025-02-25 09:00', 'image: /images/sampul.jpg\n'],
    ['2025-03-05-kapitalisasi-pasar.md', 'Kapitalisasi pasar', '2025-03-05 08:00'],
    ['2025-03-12-pusat-data.md', 'Pusat data', '2025-03-12 10:00', 'draft: true\n'],
  ]
  for (const [name, title, date, extra] of posts) {
    await writeFile(path.join(folder, 'posts', name), postText(title, date, `About ${title}.`, extra))
  }
}

beforeEach(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-watch-'))
  await writeSite(site)
  watchers = []
  watchErrors = []
})
afterEach(async () => {
  await Promise.all(watchers.map((watcher) => watcher.close()))
  expect(watchErrors).toEqual([])
  await rm(site, { recursive: true, force: true })
})

/** Starts watching the temp site and waits for the first build. */
async function startWatching(options: Partial<WatchOptions> = {}): Promise<{ watcher: Watcher; first: RebuiltEvent }> {
  const watcher = watch({ cwd: site, now: NOW, ...options })
  watchers.push(watcher)
  watcher.on('error', (error) => watchErrors.push(error))
  const first = await withTimeout(watcher.ready, 'the first build')
  return { watcher, first }
}

/** The next `rebuilt` event that `matches`. Call it before the write that causes the rebuild. */
function nextRebuilt(watcher: Watcher, matches: (event: RebuiltEvent) => boolean = () => true): Promise<RebuiltEvent> {
  return withTimeout(
    new Promise<RebuiltEvent>((resolve) => {
      const listener = (event: RebuiltEvent) => {
        if (!matches(event)) return
        watcher.off('rebuilt', listener)
        resolve(event)
      }
      watcher.on('rebuilt', listener)
    }),
    'a rebuild',
  )
}

/** Every `rebuilt` event from now on. */
function recordRebuilds(watcher: Watcher): RebuiltEvent[] {
  const events: RebuiltEvent[] = []
  watcher.on('rebuilt', (event) => events.push(event))
  return events
}

function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs = REBUILD_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function readFeeds(folder = 'dist'): Promise<Map<string, Buffer>> {
  const feeds = new Map<string, Buffer>()
  for (const name of FEEDS) feeds.set(name, await readFile(at(path.join(folder, name))))
  return feeds
}

/** The feeds a fresh `kabar build` (no cache) writes for the same posts and config, in another folder. */
async function freshBuild(): Promise<Map<string, Buffer>> {
  const report = await build({ cwd: site, out: 'fresh', now: NOW, cache: false })
  expect(report.errors).toEqual([])
  return readFeeds('fresh')
}

async function expectSameAsFreshBuild(): Promise<void> {
  const watched = await readFeeds()
  const fresh = await freshBuild()
  for (const name of FEEDS) expect(watched.get(name)?.equals(fresh.get(name) as Buffer), name).toBe(true)
}

describe('watch()', () => {
  it('builds once at the start, like kabar build', async () => {
    const { first } = await startWatching()
    expect(first.trigger).toBe('start')
    expect(first.report.ok).toBe(true)
    expect([...first.report.written].sort()).toEqual(FEEDS)
    expect([first.added, first.changed, first.removed]).toEqual([[], [], []])
    await expectSameAsFreshBuild()
  })

  it('rebuilds when a post changes, writing the bytes a fresh build writes', async () => {
    const { watcher } = await startWatching()
    const rebuilt = nextRebuilt(watcher)
    await writeFile(at(NEWEST), postText('Kapitalisasi pasar, diperbarui', '2025-03-05 08:00'))
    const event = await rebuilt
    expect(event).toMatchObject({ trigger: 'files', added: [], changed: [at(NEWEST)], removed: [] })
    expect(event.report.ok).toBe(true)
    expect([...event.report.written].sort()).toEqual(FEEDS)
    expect(event.durationMs).toBeGreaterThan(0)
    expect(event.waitedMs).toBeGreaterThanOrEqual(0)
    expect((await readFile(at('dist/rss.xml'), 'utf8')).includes('Kapitalisasi pasar, diperbarui')).toBe(true)
    await expectSameAsFreshBuild()
  })

  it('rebuilds when a post is added', async () => {
    const { watcher, first } = await startWatching()
    const rebuilt = nextRebuilt(watcher)
    await writeFile(at('posts/2025-04-01-baru.md'), postText('Pos baru', '2025-04-01 09:00'))
    const event = await rebuilt
    expect(event).toMatchObject({ added: [at('posts/2025-04-01-baru.md')], changed: [], removed: [] })
    expect(event.report.posts.published).toBe(first.report.posts.published + 1)
    expect(await readFile(at('dist/feed.json'), 'utf8')).toContain('"title": "Pos baru"')
    await expectSameAsFreshBuild()
  })

  it('rebuilds when a post is deleted', async () => {
    const { watcher, first } = await startWatching()
    const rebuilt = nextRebuilt(watcher)
    await unlink(at(NEWEST))
    const event = await rebuilt
    expect(event).toMatchObject({ added: [], changed: [], removed: [at(NEWEST)] })
    expect(event.report.posts.published).toBe(first.report.posts.published - 1)
    expect(await readFile(at('dist/atom.xml'), 'utf8')).not.toContain('kapitalisasi-pasar')
    await expectSameAsFreshBuild()
  })

  it('sees a rename as one rebuild: the old path removed, the new one added', async () => {
    const { watcher, first } = await startWatching()
    const events = recordRebuilds(watcher)
    const renamed = 'posts/2025-03-05-kapitalisasi-baru.md'
    const rebuilt = nextRebuilt(watcher)
    await rename(at(NEWEST), at(renamed))
    const event = await rebuilt
    expect(event).toMatchObject({ added: [at(renamed)], changed: [], removed: [at(NEWEST)] })
    expect(event.report.ok).toBe(true)
    expect(event.report.posts.published).toBe(first.report.posts.published)
    expect(events).toHaveLength(1)
    await expectSameAsFreshBuild()
  })

  it('removes the posts of a deleted folder and reads the posts of a new one', async () => {
    await mkdir(at('posts/2024'))
    await writeFile(at('posts/2024/lama.md'), postText('Pos lama', '2024-06-01 09:00'))
    const { watcher, first } = await startWatching()
    const removed = nextRebuilt(watcher)
    await rm(at('posts/2024'), { recursive: true })
    expect(await removed).toMatchObject({ removed: [at('posts/2024/lama.md')] })
    const added = nextRebuilt(watcher)
    await mkdir(at('posts/2023/12'), { recursive: true })
    await writeFile(at('posts/2023/12/arsip.md'), postText('Arsip', '2023-12-01 09:00'))
    const event = await added
    expect(event).toMatchObject({ added: [at('posts/2023/12/arsip.md')] })
    expect(event.report.posts.published).toBe(first.report.posts.published)
    await expectSameAsFreshBuild()
  })

  it('turns a burst of 500 new posts into one or two rebuilds', async () => {
    const { watcher, first } = await startWatching()
    const events = recordRebuilds(watcher)
    const seen = new Set<string>()
    const settled = nextRebuilt(watcher, (event) => {
      for (const file of [...event.added, ...event.changed]) seen.add(file)
      return seen.size === 500
    })
    await mkdir(at('posts/burst'))
    await Promise.all(
      Array.from({ length: 500 }, (_, index) => {
        const day = String((index % 28) + 1).padStart(2, '0')
        return writeFile(at(`posts/burst/${index}.md`), postText(`Burst ${index}`, `2024-01-${day} 09:00`))
      }),
    )
    const event = await settled
    expect(event.report.ok).toBe(true)
    expect(event.report.posts.published).toBe(first.report.posts.published + 500)
    expect(events.length).toBeGreaterThanOrEqual(1)
    expect(events.length).toBeLessThanOrEqual(2)
    // Nothing left over: the next rebuild is the next edit's alone.
    const sentinel = nextRebuilt(watcher)
    await appendFile(at(NEWEST), '\nOne more line.\n')
    expect(await sentinel).toMatchObject({ added: [], changed: [at(NEWEST)], removed: [] })
    expect(events.length).toBeLessThanOrEqual(3)
    await expectSameAsFreshBuild()
  })

  it('reports an invalid post with its line, leaves the feeds alone, and rebuilds on the fix', async () => {
    const { watcher } = await startWatching()
    const before = await readFeeds()
    const beforeTimes = await Promise.all(FEEDS.map(async (name) => (await stat(at(`dist/${name}`))).mtimeMs))
    const broken = nextRebuilt(watcher)
    await writeFile(at(NEWEST), '---\ntitle: Rusak\ndate: 2025-02-30\n---\n\nText.\n')
    const failed = await broken
    expect(failed.report.ok).toBe(false)
    expect(failed.report.errors).toMatchObject([{ code: 'DATE_INVALID', file: at(NEWEST), line: 3 }])
    expect(failed.report.written).toEqual([])
    expect(await readFeeds()).toEqual(before)
    const afterTimes = await Promise.all(FEEDS.map(async (name) => (await stat(at(`dist/${name}`))).mtimeMs))
    expect(afterTimes).toEqual(beforeTimes)

    const fixed = nextRebuilt(watcher)
    await writeFile(at(NEWEST), postText('Diperbaiki', '2025-03-05 08:00'))
    const event = await fixed
    expect(event.report.ok).toBe(true)
    expect([...event.report.written].sort()).toEqual(FEEDS)
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain('Diperbaiki')
    await expectSameAsFreshBuild()
  })

  it('sees an atomic save (temp file renamed over the post) as one change of the post', async () => {
    const { watcher } = await startWatching()
    const events = recordRebuilds(watcher)
    const rebuilt = nextRebuilt(watcher)
    // What VS Code and many others do: write a temp file beside the post, then rename it over.
    const temp = at('posts/.2025-03-05-kapitalisasi-pasar.md.tmp-1234')
    await writeFile(temp, postText('Disimpan atomik', '2025-03-05 08:00'))
    await rename(temp, at(NEWEST))
    const event = await rebuilt
    expect(event).toMatchObject({ added: [], changed: [at(NEWEST)], removed: [] })
    expect(await readFile(at('dist/atom.xml'), 'utf8')).toContain('Disimpan atomik')
    // What vim does: move the post to a backup, write it anew, delete the backup.
    const second = nextRebuilt(watcher)
    await rename(at(NEWEST), at(`${NEWEST}~`))
    await writeFile(at(NEWEST), postText('Disimpan vim', '2025-03-05 08:00'))
    await unlink(at(`${NEWEST}~`))
    expect(await second).toMatchObject({ added: [], changed: [at(NEWEST)], removed: [] })
    expect(events).toHaveLength(2)
    expect(events.every((each) => each.report.ok)).toBe(true)
    await expectSameAsFreshBuild()
  })

  it('waits for a post that is empty for a moment instead of reporting it', async () => {
    const { watcher } = await startWatching({ debounceMs: 20 })
    const events = recordRebuilds(watcher)
    const rebuilt = nextRebuilt(watcher)
    await writeFile(at(NEWEST), '')
    // A slow editor: the text arrives a little after the file was emptied, past the debounce window.
    await sleep(120)
    await writeFile(at(NEWEST), postText('Ditulis perlahan', '2025-03-05 08:00'))
    const event = await rebuilt
    expect(event.report.ok).toBe(true)
    expect(events).toHaveLength(1)
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain('Ditulis perlahan')
  })

  it('rebuilds when an image in publicDir changes size, for the RSS enclosure length', async () => {
    const { watcher } = await startWatching()
    const image = at(IMAGE)
    const size = (await stat(image)).size
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain(`length="${size}"`)
    const rebuilt = nextRebuilt(watcher)
    await appendFile(image, Buffer.alloc(100))
    const event = await rebuilt
    expect(event).toMatchObject({ changed: [image] })
    expect(event.report.written).toContain('rss.xml')
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain(`length="${size + 100}"`)
  })

  it('never reacts to its own output, even when it is written inside publicDir', async () => {
    const config = JSON.parse(await readFile(at('kabar.config.json'), 'utf8')) as Record<string, unknown>
    await writeFile(at('kabar.config.json'), JSON.stringify({ ...config, out: 'public/feeds' }))
    const { watcher, first } = await startWatching()
    expect(first.report.outDir).toBe(at('public/feeds'))
    const events = recordRebuilds(watcher)
    const rebuilt = nextRebuilt(watcher)
    await appendFile(at(NEWEST), '\nEdited.\n')
    expect(await rebuilt).toMatchObject({ changed: [at(NEWEST)] })
    expect(events).toHaveLength(1)
  })

  it('reloads a changed config, and reports an invalid one without touching the feeds', async () => {
    const { watcher, first } = await startWatching()
    expect(first.report.feeds['rss.xml']).toBe(4)
    const configText = await readFile(at('kabar.config.json'), 'utf8')
    const limited = nextRebuilt(watcher)
    await writeFile(at('kabar.config.json'), configText.replace('"limit": 20', '"limit": 2'))
    const event = await limited
    expect(event).toMatchObject({ trigger: 'config', changed: [at('kabar.config.json')] })
    expect(event.report.feeds['rss.xml']).toBe(2)
    await expectSameAsFreshBuild()

    const before = await readFeeds()
    const broken = nextRebuilt(watcher)
    await writeFile(at('kabar.config.json'), configText.replace('"limit": 20', '"limit": "twenty"'))
    const failed = await broken
    expect(failed.trigger).toBe('config')
    expect(failed.report.ok).toBe(false)
    expect(failed.report.errors).toMatchObject([{ code: 'CONFIG_INVALID', file: at('kabar.config.json') }])
    expect(await readFeeds()).toEqual(before)

    const fixed = nextRebuilt(watcher)
    await writeFile(at('kabar.config.json'), configText.replace('"limit": 20', '"limit": 3'))
    expect((await fixed).report.feeds['rss.xml']).toBe(3)
    await expectSameAsFreshBuild()
  })

  it('keeps building posts with the last good config while the config is broken', async () => {
    const { watcher } = await startWatching()
    const configText = await readFile(at('kabar.config.json'), 'utf8')
    // Broken config and an edited post in one batch: the post is still built.
    const broken = nextRebuilt(watcher, (event) => event.trigger === 'config')
    const built = nextRebuilt(watcher, (event) => event.trigger === 'files')
    await writeFile(at('kabar.config.json'), configText.replace('"limit": 20', '"limit": -1'))
    await writeFile(at(NEWEST), postText('Disunting bersama konfigurasi', '2025-03-05 08:00'))
    expect((await broken).report.errors).toMatchObject([{ code: 'CONFIG_INVALID' }])
    const event = await built
    expect(event).toMatchObject({ changed: [at(NEWEST)] })
    expect(event.report.ok).toBe(true)
    expect(event.report.feeds['rss.xml']).toBe(4)
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain('Disunting bersama konfigurasi')

    const later = nextRebuilt(watcher)
    await writeFile(at('posts/2025-04-01-baru.md'), postText('Pos baru', '2025-04-01 09:00'))
    expect((await later).report.feeds['rss.xml']).toBe(5)
    const feed = await readFile(at('dist/rss.xml'), 'utf8')
    expect(feed).toContain('Pos baru')
    expect(feed).toContain('Disunting bersama konfigurasi')
  })

  it('watches the folders a changed config points to', async () => {
    await cp(at('posts'), at('other-posts'), { recursive: true })
    const { watcher } = await startWatching()
    const configText = await readFile(at('kabar.config.json'), 'utf8')
    const moved = nextRebuilt(watcher)
    await writeFile(at('kabar.config.json'), configText.replace('"posts": "posts"', '"posts": "other-posts"'))
    expect((await moved).report.postsDir).toBe(at('other-posts'))
    expect(watcher.watched.folders).toContain(at('other-posts'))
    const rebuilt = nextRebuilt(watcher)
    await writeFile(at('other-posts/2025-04-01-lain.md'), postText('Di folder lain', '2025-04-01 09:00'))
    expect(await rebuilt).toMatchObject({ added: [at('other-posts/2025-04-01-lain.md')] })
    expect(await readFile(at('dist/rss.xml'), 'utf8')).toContain('Di folder lain')
  })

  it('yields rebuilds to for await, and ends the loop on close()', async () => {
    const { watcher } = await startWatching()
    const seen: RebuiltEvent[] = []
    const loop = (async () => {
      for await (const event of watcher) {
        seen.push(event)
        if (seen.length === 1) await watcher.close()
      }
    })()
    await appendFile(at(NEWEST), '\nAgain.\n')
    await withTimeout(loop, 'the loop to end')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ changed: [at(NEWEST)] })
  })

  it('lets a rebuild in progress finish when closed, so no feed is half-written', async () => {
    const { watcher } = await startWatching()
    const events = recordRebuilds(watcher)
    let isClosing = false
    // Close the moment the rebuild starts writing: it takes the output folder's lock then.
    const output = watchFolder(at('dist'), (_event, name) => {
      if (name !== '.kabar.lock' || isClosing) return
      isClosing = true
      void watcher.close()
    })
    try {
      await appendFile(at(NEWEST), '\nClosing soon.\n')
      await withTimeout(new Promise<void>((resolve) => watcher.once('close', resolve)), 'the watcher to close')
    } finally {
      output.close()
    }
    expect(events).toHaveLength(1)
    expect(events[0]?.report.ok).toBe(true)
    expect((await readdir(at('dist'))).sort()).toEqual(FEEDS)
    await expectSameAsFreshBuild()
  })

  it('keeps memory flat over thousands of edits', async () => {
    const gc = exposeGc()
    await rm(at('posts'), { recursive: true })
    await mkdir(at('posts'))
    // Edits go round six posts: chokidar holds back a second event of one file within 100 ms.
    const files = [1, 2, 3, 4, 5, 6].map((day) => at(`posts/2025-05-0${day}-edited-${day}.md`))
    // 16 KB a text, so that keeping each text or each rendering would show: half of it in a
    // YAML comment, which sends the frontmatter past the fast path to gray-matter (whose
    // cache would keep every text), half in the body.
    const comment = `# ${'lorem ipsum dolor sit amet '.repeat(300)}`
    const body = 'Dolor sit amet, consectetur adipiscing elit. '.repeat(180)
    const text = (count: number, title = `Edit ${count}`) =>
      `---\n${comment}${count}\ntitle: ${title}\ndate: 2025-05-0${(count % 6) + 1} 09:00\nsummary: Edited.\n---\n\n${count} ${body}\n`
    for (const [index, file] of files.entries()) await writeFile(file, text(index, `Start ${index}`))
    const { watcher } = await startWatching({ debounceMs: 0 })
    const edit = async (count: number) => {
      const file = files[count % 6] as string
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`)
      // Rebuilds from the edit before may still be coming: wait for the one whose feed has this edit.
      const events = watcher[Symbol.asyncIterator]()
      // Saved as most editors save: a temp file renamed over the post.
      await writeFile(temp, text(count))
      await rename(temp, file)
      for (;;) {
        const next = await withTimeout(events.next(), `the rebuild of edit ${count}`)
        if (next.done === true) throw new Error('the watcher stopped')
        expect(next.value.report.errors).toEqual([])
        if ((await readFile(at('dist/feed.json'), 'utf8')).includes(`Edit ${count}"`)) break
      }
      await events.return?.()
    }
    let count = 0
    while (count < 200) await edit(++count)
    const baseline = heapAfterGc(gc)
    while (count < 2_000) await edit(++count)
    const growth = heapAfterGc(gc) - baseline
    // Keeping each edit's 16 KB text would add 29 MB over these 1,800 edits, each rendering 14 MB.
    expect(growth).toBeLessThan(6 * 1024 * 1024)
  }, 300_000)
})

describe('loadConfigIsolated()', () => {
  it('reads an edited JavaScript config afresh each time', async () => {
    const config = at('kabar.config.mjs')
    const write = (title: string) =>
      writeFile(config, `export default { site: { title: ${JSON.stringify(title)}, url: 'https://x.example/' } }\n`)
    await write('First')
    expect((await loadConfigIsolated(site, 'kabar.config.mjs')).site.title).toBe('First')
    await write('Second')
    expect((await loadConfigIsolated(site, 'kabar.config.mjs')).site.title).toBe('Second')
  })

  it('reports a config that does not load, with the file', async () => {
    await writeFile(at('kabar.config.mjs'), 'export default { site: { title: "x", url: "https://x.example/" }\n')
    await expect(loadConfigIsolated(site, 'kabar.config.mjs')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      file: at('kabar.config.mjs'),
    })
  })

  it('reports a config whose export is not plain data', async () => {
    await writeFile(
      at('kabar.config.mjs'),
      'export default { site: { title: "x", url: "https://x.example/" }, filter: () => true }\n',
    )
    await expect(loadConfigIsolated(site, 'kabar.config.mjs')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('not plain data'),
    })
  })
})

class Capture extends Writable {
  text = ''
  #waiters: { pattern: RegExp; resolve: () => void }[] = []
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.pattern.test(this.text)) return true
      waiter.resolve()
      return false
    })
    done()
  }

  /** Resolves once the text written so far matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void> {
    if (pattern.test(this.text)) return Promise.resolve()
    return withTimeout(
      new Promise((resolve) => this.#waiters.push({ pattern, resolve })),
      `output matching ${pattern} (so far: ${JSON.stringify(this.text)})`,
    )
  }
}

describe('kabar watch', () => {
  async function startCli(...argv: string[]) {
    const stdout = new Capture()
    const stderr = new Capture()
    const controller = new AbortController()
    const exited = main(['watch', ...argv], { cwd: site, stdout, stderr, env: {}, now: NOW, signal: controller.signal })
    const stop = () => {
      controller.abort()
      return exited
    }
    return { stdout, stderr, stop, exited }
  }

  it('prints one line per rebuild, and errors with file and line', async () => {
    const cli = await startCli()
    await cli.stdout.waitFor(/kabar watch: watching posts\/, public\/ and kabar\.config\.json/)
    expect(cli.stdout.text).toMatch(
      /^kabar: 4 posts \(1 draft skipped\), 4 per feed; wrote rss\.xml atom\.xml feed\.json/,
    )

    await appendFile(at(NEWEST), '\nBaris baru.\n')
    await cli.stdout.waitFor(/changed →/)
    expect(cli.stdout.text).toMatch(
      /^posts\/2025-03-05-kapitalisasi-pasar\.md changed → rss\.xml atom\.xml feed\.json in \d+ ms$/m,
    )

    await writeFile(at('posts/rusak.md'), '---\ntitle: [unclosed\n---\n\nText.\n')
    await cli.stderr.waitFor(/are as they were/)
    expect(cli.stderr.text).toMatch(/^posts\/rusak\.md:2: frontmatter is not valid YAML/m)
    expect(cli.stderr.text).toMatch(/^posts\/rusak\.md added → 1 error; the feeds in dist\/ are as they were$/m)

    await unlink(at('posts/rusak.md'))
    await cli.stdout.waitFor(/rusak\.md removed → unchanged in \d+ ms/)
    expect(await cli.stop()).toBe(0)
    expect(cli.stdout.text).toMatch(/kabar watch: stopped\n$/)
  })

  it('exits 1 at once when there is no config', async () => {
    await rm(at('kabar.config.json'))
    const cli = await startCli()
    expect(await withTimeout(cli.exited, 'kabar watch to exit')).toBe(1)
    expect(cli.stderr.text).toContain('no kabar.config.mjs or kabar.config.json')
  })

  it('rejects options of other commands', async () => {
    const cli = await startCli('--port', '80')
    expect(await cli.exited).toBe(2)
    expect(cli.stderr.text).toContain('--port is an option of kabar serve, not of kabar watch')
  })

  it('ends cleanly on SIGINT during a rebuild, leaving whole feeds (built binary)', async () => {
    // Enough posts that a rebuild takes a while.
    await Promise.all(
      Array.from({ length: 1500 }, (_, index) =>
        writeFile(at(`posts/2024-bulk-${index}.md`), postText(`Bulk ${index}`, '2024-01-01 09:00')),
      ),
    )
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/kabar.js'), 'watch'], { cwd: site })
    const stdout = captureChild(child, 'stdout')
    const stderr = captureChild(child, 'stderr')
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await stdout.waitFor(/kabar watch: watching/)
    const before = await readFeeds()

    // Interrupt the moment the rebuild starts writing: it takes the output folder's lock then.
    let isInterrupted = false
    const output = watchFolder(at('dist'), (_event, name) => {
      if (name !== '.kabar.lock' || isInterrupted) return
      isInterrupted = true
      child.kill('SIGINT')
    })
    try {
      await appendFile(at(NEWEST), '\nDiubah sebelum Ctrl-C.\n')
      expect(await withTimeout(exited, 'kabar watch to exit')).toBe(0)
    } finally {
      output.close()
    }
    expect(stderr.text).toBe('')
    expect(stdout.text).toMatch(/kabar watch: stopped\n$/)
    expect((await readdir(at('dist'))).sort()).toEqual(FEEDS)
    const after = await readFeeds()
    const fresh = await freshBuild()
    for (const name of FEEDS) {
      const bytes = after.get(name) as Buffer
      expect(bytes.equals(before.get(name) as Buffer) || bytes.equals(fresh.get(name) as Buffer), name).toBe(true)
    }
  }, 60_000)
})

function captureChild(child: ChildProcess, stream: 'stdout' | 'stderr'): Capture {
  const capture = new Capture()
  child[stream]?.pipe(capture)
  return capture
}

/** `gc()`, which vitest's workers do not expose by default. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

function heapAfterGc(gc: () => void): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
