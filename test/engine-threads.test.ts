import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import { nodeFileSystem } from '../src/io/file-system.js'

/**
 * Worker threads only run from the compiled package (lib/), so this test
 * runs bin/kabar.js on a site of thousands of posts, with dozens of posts
 * to render on worker threads. The reference is the plain path of the
 * source tree.
 */

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'kabar.js')
const FEEDS = ['rss.xml', 'atom.xml', 'feed.json']
let site: string

beforeAll(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-threads-'))
  await mkdir(path.join(site, 'posts', '2024'), { recursive: true })
  for (let index = 0; index < 2100; index++) {
    const minute = String(index % 60).padStart(2, '0')
    const hour = String(Math.floor(index / 60) % 24).padStart(2, '0')
    const day = String((Math.floor(index / 1440) % 28) + 1).padStart(2, '0')
    const text = `---\ntitle: "Pos ${index}"\ndate: 2024-0${(index % 9) + 1}-${day} ${hour}:${minute}\ntags: [t${index % 7}]\n---\n\nIsi **pos** ${index}, dengan [tautan](../pos-${index + 1}/).\n\n- satu\n- dua\n`
    await writeFile(path.join(site, 'posts', '2024', `pos-${index}.md`), text)
  }
  const config = { site: { title: 'Utas', url: 'https://utas.example/', timezone: 'Asia/Jakarta' }, limit: 40 }
  await writeFile(path.join(site, 'kabar.config.json'), JSON.stringify(config))
}, 60_000)
afterAll(async () => {
  await rm(site, { recursive: true, force: true })
})

describe('the compiled engine on thousands of posts', () => {
  it('writes what reading every post on one thread writes, cold and warm', async () => {
    const reference = path.join(site, 'reference')
    const report = await build({ cwd: site, out: reference, cache: false, fileSystem: nodeFileSystem })
    expect(report.errors).toEqual([])
    const out = path.join(site, 'out')
    const expectSameFeeds = async (pass: string) => {
      for (const name of FEEDS) {
        expect(await readFile(path.join(out, name), 'utf8'), `${pass} ${name}`).toBe(
          await readFile(path.join(reference, name), 'utf8'),
        )
      }
    }
    for (const pass of ['cold', 'warm']) {
      await run(process.execPath, [BIN, 'build', '--quiet', '--out', out], { cwd: site })
      await expectSameFeeds(pass)
    }
    // The newest post edited: a build that finds something changed starts a rendering worker
    // before it reads anything, and that worker renders the post.
    const newest = /<item>[\s\S]*?<link>https:\/\/utas\.example\/.*?([^/]+)\/<\/link>/.exec(
      await readFile(path.join(reference, 'rss.xml'), 'utf8'),
    )?.[1]
    const edited = path.join(site, 'posts', '2024', `${newest}.md`)
    await writeFile(edited, `${await readFile(edited, 'utf8')}\nParagraf **baru** setelah disunting.\n`)
    await rm(reference, { recursive: true })
    expect((await build({ cwd: site, out: reference, cache: false, fileSystem: nodeFileSystem })).errors).toEqual([])
    expect(await readFile(path.join(reference, 'rss.xml'), 'utf8')).toContain('&lt;strong&gt;baru&lt;/strong&gt;')
    await run(process.execPath, [BIN, 'build', '--quiet', '--out', out], { cwd: site })
    await expectSameFeeds('edited')
  }, 120_000)
})

/**
 * The same scan on one thread and shared with a worker, on every fixture
 * site (bad posts, odd dates, presets): the compiled PostStore is told to
 * use a worker from the first file, so the worker's part, carried across
 * as plain data, must give the same report and feeds as the main thread's.
 */
describe('the parallel scan', () => {
  const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
  // Cases whose posts are generated at test time (golden.test.ts) are left out: they are about size.
  const cases = readdirSync(FIXTURES).filter(
    (name) =>
      existsSync(path.join(FIXTURES, name, 'kabar.config.json')) &&
      !(
        existsSync(path.join(FIXTURES, name, 'case.json')) &&
        readFileSync(path.join(FIXTURES, name, 'case.json'), 'utf8').includes('"generate"')
      ),
  )

  it.each(cases)('gives what one thread gives: %s', async (name) => {
    const { runBuild } = (await import('../lib/build.js')) as unknown as typeof import('../src/build.js')
    const { PostStore } = (await import(
      '../lib/io/post-store.js'
    )) as unknown as typeof import('../src/io/post-store.js')
    const caseDir = path.join(FIXTURES, name)
    const caseOptions = existsSync(path.join(caseDir, 'case.json'))
      ? (JSON.parse(await readFile(path.join(caseDir, 'case.json'), 'utf8')) as { now?: string; generate?: unknown })
      : {}
    const {
      now = '2026-01-01T00:00:00Z',
      conformance: _conformance,
      ...options
    } = caseOptions as Record<string, unknown>
    const outputs: Record<string, string>[] = []
    const reports: unknown[] = []
    const onOneThread = { fromFiles: Number.POSITIVE_INFINITY }
    const onWorker = { fromFiles: 1, isWorkerOnly: true }
    // Both threads, and the worker renders the posts guessed from the first chunk read.
    const guessing = { fromFiles: 1, guessAfter: 1 }
    for (const parallelScan of [onOneThread, onWorker, guessing]) {
      // A copy: a build writes its id manifest beside the config.
      const siteCopy = await mkdtemp(path.join(os.tmpdir(), `kabar-scan-${name}-`))
      await cp(caseDir, siteCopy, { recursive: true, filter: (source) => !source.includes(`${path.sep}expected`) })
      const out = path.join(siteCopy, 'dist')
      const posts = new PostStore({ cache: false, parallelScan })
      const report = await runBuild({ ...options, cwd: siteCopy, out, now: new Date(String(now)) }, { posts })
      reports.push(JSON.parse(JSON.stringify(report).replaceAll(siteCopy, '<site>')))
      const files: Record<string, string> = {}
      const written = existsSync(out) ? readdirSync(out, { recursive: true, encoding: 'utf8' }) : []
      for (const file of written.sort()) {
        const full = path.join(out, file)
        if (statSync(full).isFile()) files[file] = await readFile(full, 'utf8')
      }
      outputs.push(files)
      await rm(siteCopy, { recursive: true, force: true })
    }
    expect(reports[1]).toEqual(reports[0])
    expect(outputs[1]).toEqual(outputs[0])
    expect(reports[2]).toEqual(reports[0])
    expect(outputs[2]).toEqual(outputs[0])
  })
})

/**
 * A site whose posts are named by date: a parallel scan reads them newest
 * first and, after a few hundred, has its worker render the posts it
 * guesses the feeds will show, while this thread reads on (likely-shown.ts).
 */
describe('the posts shown, guessed during a parallel scan', () => {
  let datedSite: string
  beforeAll(async () => {
    datedSite = await mkdtemp(path.join(os.tmpdir(), 'kabar-guess-'))
    for (let index = 0; index < 1500; index++) {
      const date = new Date(Date.UTC(2020, 0, 1) + index * 36 * 3600_000)
      const year = String(date.getUTCFullYear())
      const day = date.toISOString().slice(0, 10)
      await mkdir(path.join(datedSite, 'posts', year), { recursive: true })
      const text = `---\ntitle: "Hari ${index}"\ndate: ${date.toISOString()}\n---\n\nIsi **hari** ${index}: [tautan](../).\n`
      await writeFile(path.join(datedSite, 'posts', year, `${day}-hari-${index}.md`), text)
    }
    const config = { site: { title: 'Harian', url: 'https://harian.example/' }, limit: 20 }
    await writeFile(path.join(datedSite, 'kabar.config.json'), JSON.stringify(config))
  }, 60_000)
  afterAll(async () => {
    await rm(datedSite, { recursive: true, force: true })
  })

  const buildWith = async (parallelScan: Record<string, unknown>) => {
    const { runBuild } = (await import('../lib/build.js')) as unknown as typeof import('../src/build.js')
    const { PostStore } = (await import(
      '../lib/io/post-store.js'
    )) as unknown as typeof import('../src/io/post-store.js')
    const out = await mkdtemp(path.join(os.tmpdir(), 'kabar-guess-out-'))
    const posts = new PostStore({ cache: false, parallelScan })
    const report = await runBuild({ cwd: datedSite, out, now: new Date('2030-01-01T00:00:00Z') }, { posts })
    const feeds = await Promise.all(FEEDS.map((name) => readFile(path.join(out, name), 'utf8')))
    await rm(out, { recursive: true })
    return { report, feeds, counts: posts.lastLoad }
  }

  it('renders them early, and writes what one thread writes', async () => {
    const reference = await buildWith({ fromFiles: Number.POSITIVE_INFINITY })
    expect(reference.counts).toMatchObject({ rendered: 20, renderedEarly: 0 })
    const guessed = await buildWith({ fromFiles: 1, guessAfter: 256 })
    expect(guessed.counts).toMatchObject({ rendered: 20, renderedEarly: 20 })
    expect(guessed.feeds).toEqual(reference.feeds)
    expect(guessed.report.errors).toEqual([])
  }, 60_000)

  it('renders the rest itself when the guess missed one (an old name with the newest date)', async () => {
    const misnamed = path.join(datedSite, 'posts', '2020', '2020-01-01-hari-0.md')
    const before = await readFile(misnamed, 'utf8')
    await writeFile(misnamed, before.replace(/date: .*/, 'date: 2029-12-31T00:00:00.000Z'))
    try {
      const reference = await buildWith({ fromFiles: Number.POSITIVE_INFINITY })
      expect(reference.feeds[0]).toContain('Hari 0<')
      const guessed = await buildWith({ fromFiles: 1, guessAfter: 256 })
      // The misnamed post is read last: the guess had the 20 newest of the others, 19 of which are shown.
      expect(guessed.counts).toMatchObject({ rendered: 20, renderedEarly: 19 })
      expect(guessed.feeds).toEqual(reference.feeds)
    } finally {
      await writeFile(misnamed, before)
    }
  }, 60_000)
})
