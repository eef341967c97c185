import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuildReport, build } from '../src/build.js'
import { checkAll, reportSkips } from './helpers/conformance.js'

/** The repository's own sample site (posts/, public/, kabar.config.json), as `npm run build` builds it. */
const ROOT = path.resolve(import.meta.dirname, '..')
const GOLDEN = path.join(import.meta.dirname, 'golden', 'sample')

let outDir: string
let report: BuildReport

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'kabar-sample-'))
  report = await build({ cwd: ROOT, out: outDir, now: new Date('2026-01-01T00:00:00Z') })
})
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true })
})

describe('the Nemes Corp sample site', () => {
  it('builds without errors or warnings, leaving the draft out', () => {
    expect(report.errors).toEqual([])
    expect(report.warnings).toEqual([])
    expect(report.posts).toEqual({ found: 6, published: 5, shown: 5, drafts: 1, future: 0 })
  })

  it('matches the golden feeds byte for byte', async () => {
    expect((await readdir(outDir)).sort()).toEqual(['atom.xml', 'feed.json', 'rss.xml'])
    for (const file of ['rss.xml', 'atom.xml', 'feed.json']) {
      await expect(await readFile(path.join(outDir, file), 'utf8')).toMatchFileSnapshot(path.join(GOLDEN, file))
    }
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

  it('passes every conformance checker with --strict', async () => {
    const result = await checkAll(outDir)
    reportSkips(result, 'the sample site')
    expect(result.ok, result.output).toBe(true)
    expect(existsSync(outDir)).toBe(true)
  })
})
