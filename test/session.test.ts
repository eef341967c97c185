import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import { loadConfig } from '../src/io/load-config.js'
import { createBuildSession } from '../src/session.js'
import { useCoreFeedsOnly } from './helpers/temp-site.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const NOW = new Date('2026-01-01T00:00:00Z')
const NEW_POST = `---
title: Pos baru dari sesi
date: 2025-12-01 09:00
---

Isi pos baru.
`

let site: string

/** A temp copy of the sample site. */
beforeEach(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-session-'))
  for (const entry of ['posts', 'public', 'kabar.config.json']) {
    await cp(path.join(ROOT, entry), path.join(site, entry), { recursive: true })
  }
  await useCoreFeedsOnly(site)
})
afterEach(async () => {
  await rm(site, { recursive: true, force: true })
})

const readFeed = (name: string) => readFile(path.join(site, 'dist', name), 'utf8')

/** The feeds a fresh one-shot build writes, for comparing a session's output with. */
async function freshBuildFeeds(): Promise<string[]> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'kabar-session-fresh-'))
  try {
    const report = await build({ cwd: site, out, now: NOW })
    expect(report.errors).toEqual([])
    return Promise.all(['rss.xml', 'atom.xml', 'feed.json'].map((name) => readFile(path.join(out, name), 'utf8')))
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

describe('createBuildSession', () => {
  it('builds the same feeds as build() on its first run', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    const report = await session.run()
    session.close()
    expect(report.ok).toBe(true)
    expect(report.written).toEqual(['rss.xml', 'atom.xml', 'feed.json'])
    expect(await Promise.all(['rss.xml', 'atom.xml', 'feed.json'].map(readFeed))).toEqual(await freshBuildFeeds())
  })

  it('rewrites nothing when a run finds nothing changed', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    await session.run()
    const report = await session.run()
    session.close()
    expect(report.written).toEqual([])
    expect(report.unchanged).toEqual(['rss.xml', 'atom.xml', 'feed.json'])
  })

  it('picks up added, changed and removed posts named in changes', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    await session.run()
    const added = path.join(site, 'posts', '2025-12-01-pos-baru.md')
    await writeFile(added, NEW_POST)
    const afterAdd = await session.run({ changed: [added] })
    expect(afterAdd.posts.published).toBe(6)
    expect(await readFeed('rss.xml')).toContain('Pos baru dari sesi')

    await writeFile(added, NEW_POST.replace('Pos baru dari sesi', 'Judul yang diubah'))
    await session.run({ changed: ['posts/2025-12-01-pos-baru.md'] })
    expect(await readFeed('rss.xml')).toContain('Judul yang diubah')

    await unlink(added)
    const afterRemove = await session.run({ removed: [added] })
    session.close()
    expect(afterRemove.posts.published).toBe(5)
    expect(await readFeed('rss.xml')).not.toContain('Judul yang diubah')
    expect(await Promise.all(['rss.xml', 'atom.xml', 'feed.json'].map(readFeed))).toEqual(await freshBuildFeeds())
  })

  it('recognizes a generator again from a post edited between runs, though it reads again only what changed', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    expect((await session.run()).preset).toBeUndefined()
    // Astro's pubDate field: the sign kabar recognizes Astro's posts by.
    const post = path.join(site, 'posts', '2025-02-18-chip-ai-dan-pasokan.md')
    await writeFile(post, (await readFile(post, 'utf8')).replace(/^---\n/, '---\npubDate: 2025-02-18\n'))
    const report = await session.run({ changed: [post] })
    session.close()
    expect(report.preset?.name).toBe('astro')
  })

  it('uses a config it is given instead of reading the config file', async () => {
    const config = await loadConfig(site)
    const session = createBuildSession({ cwd: site, now: NOW, resolvedConfig: { ...config, limit: 2 } })
    const report = await session.run()
    session.close()
    expect(report.posts.shown).toBe(2)
  })

  it('runs one build at a time when called again before the first finished', async () => {
    const session = createBuildSession({ cwd: site, now: NOW })
    const [first, second] = await Promise.all([session.run(), session.run()])
    session.close()
    expect(first.written).toEqual(['rss.xml', 'atom.xml', 'feed.json'])
    expect(second.written).toEqual([])
  })
})
