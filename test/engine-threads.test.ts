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
    for (const parallelScan of [onOneThread, onWorker]) {
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
  })
})
