import { existsSync, readdirSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import { assertWellFormedXml, jsonFeedSchemaErrors, type ReadBackItem, readBackXmlItems } from './helpers/feeds.js'

/**
 * Every fixture that builds is read back by parsers kabar did not write
 * (saxes for well-formedness, @rowanmanning/feed-parser for RSS and Atom,
 * ajv with jsonfeed-schema for JSON Feed), and the three formats must agree
 * on every item's id, title, link and dates.
 */

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
// Cases that must fail (expected/errors.txt) have no feeds to read back.
const cases = readdirSync(FIXTURES).filter(
  (name) =>
    existsSync(path.join(FIXTURES, name, 'kabar.config.json')) &&
    !existsSync(path.join(FIXTURES, name, 'expected', 'errors.txt')),
)
const tempDirs: string[] = []
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function buildToTemp(source: string): Promise<Record<'rss' | 'atom' | 'json', string | undefined>> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'kabar-roundtrip-'))
  tempDirs.push(workDir)
  await cp(source, workDir, { recursive: true })
  const caseFile = path.join(source, 'case.json')
  const caseOptions = existsSync(caseFile) ? JSON.parse(await readFile(caseFile, 'utf8')) : {}
  const report = await build({
    ...caseOptions,
    cwd: workDir,
    out: path.join(workDir, 'roundtrip-dist'),
    now: new Date(caseOptions.now ?? '2026-01-01T00:00:00Z'),
  })
  expect(report.errors).toEqual([])
  const read = async (name: string | undefined) =>
    name === undefined ? undefined : readFile(path.join(workDir, 'roundtrip-dist', name), 'utf8').catch(() => undefined)
  const names = Object.keys(report.feeds)
  return {
    rss: await read(names.find((name) => name.endsWith('.xml') && !name.includes('atom'))),
    atom: await read(names.find((name) => name.includes('atom'))),
    json: await read(names.find((name) => name.endsWith('.json'))),
  }
}

interface JsonItem {
  id: string
  url: string
  title: string
  date_published: string
  date_modified: string
}

function fromJson(text: string): ReadBackItem[] {
  return (JSON.parse(text) as { items: JsonItem[] }).items.map((item) => ({
    id: item.id,
    title: item.title,
    url: item.url,
    published: new Date(item.date_published).toISOString(),
    updated: new Date(item.date_modified).toISOString(),
  }))
}

describe.each(cases)('fixture %s read back', (name) => {
  it('is well-formed, schema-valid, and agrees across RSS, Atom and JSON Feed', async () => {
    const feeds = await buildToTemp(path.join(FIXTURES, name))
    const views: ReadBackItem[][] = []
    if (feeds.rss !== undefined) {
      assertWellFormedXml(feeds.rss)
      // RSS has one date per item: compare what it has.
      views.push(readBackXmlItems(feeds.rss).map((item) => ({ ...item, updated: null })))
    }
    if (feeds.atom !== undefined) {
      assertWellFormedXml(feeds.atom)
      views.push(readBackXmlItems(feeds.atom))
    }
    if (feeds.json !== undefined) {
      const document = JSON.parse(feeds.json)
      expect(jsonFeedSchemaErrors(document)).toEqual([])
      views.push(fromJson(feeds.json))
    }
    expect(views.length).toBeGreaterThanOrEqual(2)
    const reference = views.find((view) => view.every((item) => item.updated !== null)) ?? views[0] ?? []
    for (const view of views) {
      expect(view.map(({ id, title, url, published }) => ({ id, title, url, published }))).toEqual(
        reference.map(({ id, title, url, published }) => ({ id, title, url, published })),
      )
    }
  })
})

describe('titles a reader must show exactly as written', () => {
  it('reads back &, <, >, quotes and ]]> unchanged in every format', async () => {
    const feeds = await buildToTemp(path.join(FIXTURES, 'escaping'))
    const expected = [
      'Two authors, no e-mail for one',
      'Q&A: why a < b && c > d, and "quotes" ]]> too',
      '2025',
      'Ampersands & angle brackets < that are not tags',
    ]
    expect(readBackXmlItems(feeds.rss ?? '').map((item) => item.title)).toEqual(expected)
    expect(readBackXmlItems(feeds.atom ?? '').map((item) => item.title)).toEqual(expected)
    expect(fromJson(feeds.json ?? '').map((item) => item.title)).toEqual(expected)
  })
})
