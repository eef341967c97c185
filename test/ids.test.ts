import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { Post } from '../src/core/post.js'
import { idManifestText } from '../src/io/id-manifest.js'
import { changeConfig, copySampleSite, removeSite, runKabar } from './helpers/temp-site.js'

/**
 * Id safety: a post whose id changes comes back as new in every reader. The
 * manifest (kabar.ids.json) or the deployed feeds (--compare) remember the
 * published ids; a build that would change one warns, or fails with --strict.
 */

const CHIP = 'posts/2025-02-18-chip-ai-dan-pasokan.md'
const CHIP_ID = 'https://nemes.example/2025/02/chip-ai-dan-pasokan/'
const CHIP_FIX = `add "id: ${CHIP_ID}" to its frontmatter to keep the published id`

const ROOT = path.resolve(import.meta.dirname, '..')

let site: string
afterEach(async () => {
  await removeSite(site)
})

async function editPost(file: string, edit: (text: string) => string): Promise<void> {
  const postPath = path.join(site, file)
  await writeFile(postPath, edit(await readFile(postPath, 'utf8')))
}

const addFrontmatter = (line: string) => (text: string) => text.replace(/^---\n/, `---\n${line}\n`)

async function readManifest() {
  return JSON.parse(await readFile(path.join(site, 'kabar.ids.json'), 'utf8')) as {
    posts: Record<string, { id: string; date: string; title: string }>
  }
}

describe('the id manifest', () => {
  it('records the id, date and title of every published post next to the config', async () => {
    site = await copySampleSite()
    expect((await runKabar(site, 'build')).code).toBe(0)
    const manifest = await readManifest()
    expect(Object.keys(manifest.posts)).toHaveLength(5)
    expect(manifest.posts[CHIP]).toEqual({
      id: CHIP_ID,
      date: '2025-02-18T09:20:00.000Z',
      title: 'Permintaan Chip AI Nvidia Masih Melampaui Pasokan',
    })
    expect(Object.keys(manifest.posts).some((file) => file.includes('draft'))).toBe(false)
  })

  it('warns, naming the post and the fix, when a new slug would change a published id', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    await editPost(CHIP, addFrontmatter('slug: chip-baru'))
    const result = await runKabar(site, 'build')
    expect(result.code).toBe(0)
    expect(result.stderr).toBe(
      `${CHIP}:1: warning: the id of this post changed from ${CHIP_ID} (as published, per kabar.ids.json) to https://nemes.example/2025/02/chip-baru/: readers would show it again as new — ${CHIP_FIX}\n`,
    )
    // The build went ahead, so the new id is now the published one.
    expect((await readManifest()).posts[CHIP]?.id).toBe('https://nemes.example/2025/02/chip-baru/')
  })

  it('is read again when it changed since the last build of the same process', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    // Changed by hand (a git checkout), not by a build: the next build must not go by what it last wrote.
    const manifestPath = path.join(site, 'kabar.ids.json')
    const oldId = 'https://nemes.example/2025/02/chip-lama/'
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace(`"${CHIP_ID}"`, `"${oldId}"`))
    const result = await runKabar(site, 'build')
    expect(result.stderr).toContain(`the id of this post changed from ${oldId} (as published, per kabar.ids.json)`)
    expect((await readManifest()).posts[CHIP]?.id).toBe(CHIP_ID)
    // And left alone by a build after which nothing changed.
    const before = await stat(manifestPath)
    expect((await runKabar(site, 'build')).stderr).toBe('')
    expect((await stat(manifestPath)).mtimeMs).toBe(before.mtimeMs)
  })

  it('is taken by a new process as the last build left it, unread while its size, time and inode hold', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    const manifestPath = path.join(site, 'kabar.ids.json')
    // A whole second, so that setting it again gives the very same stamp.
    const time = new Date('2026-01-01T00:00:00Z')
    await utimes(manifestPath, time, time)
    await runKabar(site, 'build')
    // An id of the same length, written in place, its time put back: a change its stamp does not show.
    const sameLengthId = CHIP_ID.replace('pasokan/', 'pasokaN/')
    await writeFile(manifestPath, (await readFile(manifestPath, 'utf8')).replace(`"${CHIP_ID}"`, `"${sameLengthId}"`))
    await utimes(manifestPath, time, time)
    // New processes: what the last one read or wrote of the manifest is not in their memory.
    const kabar = async () =>
      (await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/kabar.js'), 'build'], { cwd: site })).stderr
    expect(await kabar()).toBe('')
    const later = new Date('2026-01-01T00:00:01Z')
    await utimes(manifestPath, later, later)
    expect(await kabar()).toContain(
      `the id of this post changed from ${sameLengthId} (as published, per kabar.ids.json)`,
    )
  })

  it('fails under --strict, leaving the feeds and the manifest as they were', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    const rssBefore = await stat(path.join(site, 'dist/rss.xml'))
    const manifestBefore = await readFile(path.join(site, 'kabar.ids.json'), 'utf8')
    await editPost(CHIP, addFrontmatter('slug: chip-baru'))
    const result = await runKabar(site, 'build', '--strict')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${CHIP}:1: the id of this post changed from ${CHIP_ID}`)
    expect(result.stderr).toContain(CHIP_FIX)
    expect((await stat(path.join(site, 'dist/rss.xml'))).mtimeMs).toBe(rssBefore.mtimeMs)
    expect(await readFile(path.join(site, 'kabar.ids.json'), 'utf8')).toBe(manifestBefore)
  })

  it('is satisfied once the published id is pinned with id:', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    await editPost(CHIP, addFrontmatter(`slug: chip-baru\nid: ${CHIP_ID}`))
    const result = await runKabar(site, 'build', '--strict')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('recognises a renamed post file by its date and title', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    await rename(path.join(site, CHIP), path.join(site, 'posts/2025-02-18-chip-ai.md'))
    const result = await runKabar(site, 'build')
    expect(result.stderr).toContain(
      `posts/2025-02-18-chip-ai.md:1: warning: the id of this post changed from ${CHIP_ID} (as published, per kabar.ids.json) to https://nemes.example/2025/02/chip-ai/`,
    )
  })

  it('warns about every post when the site URL changes', async () => {
    site = await copySampleSite()
    await runKabar(site, 'build')
    await changeConfig(site, { site: { url: 'https://www.nemes.example/' } })
    const result = await runKabar(site, 'build')
    expect(result.stderr.match(/warning: the id of this post changed/g)).toHaveLength(5)
  })

  it('is written only by a real build, not by kabar check or a --drafts preview', async () => {
    site = await copySampleSite()
    await runKabar(site, 'check')
    await runKabar(site, 'build', '--drafts')
    expect(existsSync(path.join(site, 'kabar.ids.json'))).toBe(false)
  })

  it('can be turned off with "idManifest": false', async () => {
    site = await copySampleSite({ idManifest: false })
    await runKabar(site, 'build')
    expect(existsSync(path.join(site, 'kabar.ids.json'))).toBe(false)
  })
})

describe('the id manifest text', () => {
  // Built entry by entry for speed; it must stay exactly what JSON.stringify wrote before,
  // or every project's committed manifest would change on upgrade.
  const post = (file: string, id: string, title: string, date: string) =>
    ({ file, id, title, date: new Date(date) }) as unknown as Post
  const stringified = (entries: [string, Post][]) =>
    `${JSON.stringify(
      {
        '//': 'Ids kabar has published, by post file. Commit this file: a build that would change one of these ids warns (fails with --strict).',
        version: 1,
        posts: Object.fromEntries(
          entries.map(([file, p]) => [file, { id: p.id, date: p.date.toISOString(), title: p.title }]),
        ),
      },
      null,
      2,
    )}\n`

  it('is what JSON.stringify(manifest, null, 2) writes, in file order, with escapes', () => {
    const site = path.resolve('/site')
    const b = post(
      path.join(site, 'posts', 'b "kutip".md'),
      'https://x.example/b/',
      'Judul "kutip" \\ ✓\u2028',
      '2025-02-25T01:02:03Z',
    )
    const a = post(path.join(site, 'posts', '2025', 'a.md'), 'tag:x.example,2025:a', 'Kabar', '2025-01-01T00:00:00Z')
    const outside = post(path.resolve('/elsewhere/c.md'), 'https://x.example/c/', 'C', '2024-12-31T23:59:59Z')
    const text = idManifestText(path.join(site, 'kabar.ids.json'), [b, a, outside])
    expect(text).toBe(
      stringified([
        ['../elsewhere/c.md', outside],
        ['posts/2025/a.md', a],
        ['posts/b "kutip".md', b],
      ]),
    )
    expect(idManifestText(path.join(site, 'kabar.ids.json'), [])).toBe(stringified([]))
  })
})

describe('--compare with the deployed feeds', () => {
  /** Builds the site as deployed (with archive pages), then changes the permalink pattern. */
  async function deployThenChangePermalinks(): Promise<string> {
    site = await copySampleSite({ idManifest: false, limit: 2, archive: { pageSize: 2 } })
    expect((await runKabar(site, 'build', '--out', 'deployed')).code).toBe(0)
    expect(existsSync(path.join(site, 'deployed/archive/1.json'))).toBe(true)
    await changeConfig(site, { permalink: '/:slug/' })
    return path.join(site, 'deployed')
  }

  it('reads a deployed folder, following next_url to the archive pages', async () => {
    await deployThenChangePermalinks()
    const result = await runKabar(site, 'build', '--compare', 'deployed')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(
      `${CHIP}:1: warning: the id of this post changed from ${CHIP_ID} (as published, per the feeds at deployed) to https://nemes.example/chip-ai-dan-pasokan/`,
    )
    // All five, including the two only the archive page holds.
    expect(result.stderr.match(/warning: the id of this post changed/g)).toHaveLength(5)
    expect((await runKabar(site, 'build', '--compare', 'deployed', '--strict')).code).toBe(1)
  })

  it('reads deployed feeds over HTTP', async () => {
    const deployed = await deployThenChangePermalinks()
    const server = http.createServer(async (request, response) => {
      const file = path.join(deployed, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
      try {
        response.end(await readFile(file))
      } catch {
        response.statusCode = 404
        response.end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const result = await runKabar(site, 'check', '--compare', base)
      // The pages' URLs are under feedUrl (nemes.example): they are read from the same paths on this server.
      expect(result.stderr).toContain(
        `warning: the id of this post changed from ${CHIP_ID} (as published, per the feeds at ${base})`,
      )
      expect(result.stderr.match(/warning: the id of this post changed/g)).toHaveLength(5)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('reads the Atom feed another generator deployed, matching posts by date and title', async () => {
    site = await copySampleSite({ idManifest: false })
    await mkdir(path.join(site, 'old'))
    await writeFile(
      path.join(site, 'old/feed.xml'),
      `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <generator uri="https://jekyllrb.com/">Jekyll</generator>
  <id>https://nemes.example/feed.xml</id>
  <title type="html">Nemes Corp</title>
  <entry>
    <title type="html">Permintaan Chip AI Nvidia Masih Melampaui Pasokan</title>
    <link href="https://nemes.example/berita/chip-ai-dan-pasokan.html" rel="alternate" type="text/html"/>
    <published>2025-02-18T16:20:00+07:00</published>
    <id>https://nemes.example/berita/chip-ai-dan-pasokan</id>
  </entry>
</feed>
`,
    )
    const result = await runKabar(site, 'check', '--compare', 'old/feed.xml')
    expect(result.stderr).toBe(
      `${CHIP}:1: warning: the id of this post changed from https://nemes.example/berita/chip-ai-dan-pasokan (as published, per the feeds at old/feed.xml) to ${CHIP_ID}: readers would show it again as new — add "id: https://nemes.example/berita/chip-ai-dan-pasokan" to its frontmatter to keep the published id\n`,
    )
  })

  it('says nothing on a first publish, when nothing is deployed yet', async () => {
    site = await copySampleSite({ idManifest: false })
    await mkdir(path.join(site, 'empty'))
    const result = await runKabar(site, 'check', '--compare', 'empty', '--strict')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('warns when the deployed feeds cannot be read', async () => {
    site = await copySampleSite({ idManifest: false })
    await mkdir(path.join(site, 'broken'))
    await writeFile(path.join(site, 'broken/feed.json'), '{ not json')
    const result = await runKabar(site, 'check', '--compare', 'broken')
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(
      /^kabar: warning: cannot read the deployed feeds at broken \(.*\), so changed ids cannot be detected — check the address\n/,
    )
  })

  it('is an option of build and check only', async () => {
    site = await copySampleSite()
    const result = await runKabar(site, 'links', '--compare', 'x')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--compare is an option of kabar build and kabar check, not of kabar links')
  })
})

describe('feed size', () => {
  it('warns when a feed file grows past 1 MB, where readers start refusing it', async () => {
    site = await copySampleSite({ maxPostSize: 4 * 1024 * 1024 })
    const paragraph = `${'Kata '.repeat(200)}\n\n`
    await writeFile(
      path.join(site, 'posts/2025-03-20-panjang.md'),
      `---\ntitle: Panjang\ndate: 2025-03-20\n---\n${paragraph.repeat(1200)}`,
    )
    const result = await runKabar(site, 'build')
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(
      /^dist\/rss\.xml: warning: rss\.xml is 1\.\d MB: many readers and aggregators truncate or refuse feeds over 1 MB — lower "limit", turn on "archive", or publish summaries \("content": "summary"\)$/m,
    )
    expect(result.stderr).toMatch(/^dist\/feed\.json: warning: feed\.json is 1\.\d MB/m)
  })
})
