import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuildReport, build } from '../src/build.js'
import { checkAll, reportSkips } from './helpers/conformance.js'

/**
 * The repository's own sample site (posts/, public/, kabar.config.json and
 * its committed kabar.ids.json), as `npm run build` builds it: in a temp copy,
 * so the test never writes into the repository. The config turns on tag
 * feeds, archive pages of 2 (limit 3), feed.html and feeds.opml.
 */
const ROOT = path.resolve(import.meta.dirname, '..')
const GOLDEN = path.join(import.meta.dirname, 'golden', 'sample')

let site: string
let outDir: string
let report: BuildReport

beforeAll(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-sample-'))
  for (const entry of ['posts', 'public', 'kabar.config.json', 'kabar.ids.json']) {
    await cp(path.join(ROOT, entry), path.join(site, entry), { recursive: true })
  }
  outDir = path.join(site, 'dist')
  report = await build({ cwd: site, now: new Date('2026-01-01T00:00:00Z') })
})
afterAll(async () => {
  await rm(site, { recursive: true, force: true })
})

/** Every file under `directory`, as sorted paths relative to it. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort()
}

describe('the Nemes Corp sample site', () => {
  it('builds without errors or warnings (no id changed since kabar.ids.json), leaving the draft out', () => {
    expect(report.errors).toEqual([])
    expect(report.warnings).toEqual([])
    expect(report.posts).toEqual({ found: 6, published: 5, shown: 3, drafts: 1, future: 0 })
  })

  it('keeps the newest posts in the subscription feed and the two oldest in archive page 1', () => {
    expect(report.feeds['rss.xml']).toBe(3)
    expect(report.feeds['archive/1.atom.xml']).toBe(2)
    expect(report.feeds['tags/ai/feed.json']).toBe(3)
    expect(Object.keys(report.feeds)).not.toContain('archive/2.json')
  })

  it('matches the golden files byte for byte', async () => {
    const written = await filesUnder(outDir)
    expect(written).toEqual(
      expect.arrayContaining(['feed.html', 'feeds.opml', 'archive/1.rss.xml', 'tags/ai/atom.xml']),
    )
    for (const file of written) {
      await expect(await readFile(path.join(outDir, file), 'utf8')).toMatchFileSnapshot(path.join(GOLDEN, file))
    }
    // No golden left over from a file the build no longer writes.
    expect(await filesUnder(GOLDEN)).toEqual(written)
  })

  it('gives the local image its real byte length and a registered type', async () => {
    const rss = await readFile(path.join(outDir, 'rss.xml'), 'utf8')
    const imageBytes = (await readFile(path.join(ROOT, 'public/images/alibaba-ai.jpg'))).length
    expect(rss).toContain(
      `<enclosure url="https://nemes.example/images/alibaba-ai.jpg" length="${imageBytes}" type="image/jpeg"/>`,
    )
  })

  it('keeps the photo credit and makes relative links absolute', async () => {
    const json = JSON.parse(await readFile(path.join(outDir, 'feed.json'), 'utf8'))
    const seed = json.items.find((item: { id: string }) => item.id.endsWith('/alibaba-investasi-ai/'))
    expect(seed.content_html).toContain('Sumber Foto: Freepik')
    expect(seed.content_html).toContain('href="https://nemes.example/2025/02/belanja-cloud-raksasa-teknologi/"')
    expect(seed.content_html).not.toMatch(/(href|src)="\//)
  })

  it('passes every conformance checker with --strict, in every folder', async () => {
    const folders = new Set((await filesUnder(outDir)).map((file) => path.dirname(file)))
    for (const folder of [...folders].sort()) {
      const result = await checkAll(path.join(outDir, folder))
      reportSkips(result, `the sample site, ${folder}`)
      expect(result.ok, result.output).toBe(true)
    }
    // A dozen folders of feeds, each checker a separate process: give it time on a busy 2-core machine.
  }, 240_000)
})
