import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import type { SourceFile } from '../src/core/post.js'
import { recognizePreset } from '../src/core/presets/detect.js'
import { runKabar } from './helpers/temp-site.js'

const run = promisify(execFile)
const FIXTURES = path.resolve(import.meta.dirname, 'fixtures')
const NOW = new Date('2026-01-01T00:00:00Z')

const sites: string[] = []
afterEach(async () => {
  await Promise.all(sites.splice(0).map((site) => rm(site, { recursive: true, force: true })))
})

async function tempSite(fixture?: string): Promise<string> {
  const site = await mkdtemp(path.join(os.tmpdir(), 'kabar-preset-'))
  sites.push(site)
  if (fixture !== undefined) {
    await cp(path.join(FIXTURES, fixture), site, {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}expected`),
    })
  }
  return site
}

async function writeFiles(site: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(site, name)), { recursive: true })
    await writeFile(path.join(site, name), text)
  }
}

const CONFIG = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ site: { title: 'T', url: 'https://t.example/' }, posts: 'posts', ...extra })

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Writer',
    GIT_AUTHOR_EMAIL: 'writer@t.example',
    GIT_COMMITTER_NAME: 'Writer',
    GIT_COMMITTER_EMAIL: 'writer@t.example',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: cwd,
  }
  return (await run('git', args, { cwd, env })).stdout
}

describe('kabar check on a Jekyll site', () => {
  it('names the preset and lists every skipped post with why, writing nothing', async () => {
    const site = await tempSite('preset-jekyll')
    const result = await runKabar(site, 'check')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      'kabar: posts read as Jekyll reads them (recognized by the _posts folder); --preset none turns this off\n' +
        '_posts/2022-05-01-half-written.md: skipped: a draft — build with --drafts to include it\n' +
        '_posts/reading-list.md: skipped: its name does not start with YYYY-MM-DD-, so Jekyll never published it — rename it to publish it\n' +
        'kabar check: 7 posts (1 draft, 1 excluded skipped), 7 per feed; nothing written.',
    )
    expect(existsSync(path.join(site, 'dist'))).toBe(false)
  })

  it('puts the preset and the skipped posts in the JSON report', async () => {
    const site = await tempSite('preset-jekyll')
    const report = JSON.parse((await runKabar(site, 'check', '--json')).stdout)
    expect(report.preset).toEqual({ name: 'jekyll', reason: 'recognized by the _posts folder' })
    expect(report.posts).toMatchObject({ found: 9, published: 7, drafts: 1, excluded: 1 })
    expect(report.skipped).toContainEqual({
      file: '_posts/2022-05-01-half-written.md',
      reason: 'draft',
      message: 'a draft — build with --drafts to include it',
    })
    expect(report.feeds).toEqual({ 'rss.xml': 7, 'feed.xml': 7, 'feed.json': 7 })
  })

  it('reads the posts as plain kabar posts with --preset none', async () => {
    const site = await tempSite('preset-jekyll')
    const result = await runKabar(site, 'check', '--preset', 'none')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      '_posts/2024-11-05-untitled-thoughts-on-maps.md:1: title is missing — add a line "title: Your title" to the frontmatter',
    )
  })

  it('reads _posts when --posts points at it, though its name starts with _', async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG(),
      '_posts/2025-01-02-hello.md': '---\ntitle: Hello\n---\nHi.\n',
      '_posts/_notes/2025-01-03-private.md': '---\ntitle: Private\n---\nHi.\n',
    })
    const result = await runKabar(site, 'check', '--posts', '_posts')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('kabar check: 1 posts, 1 per feed; nothing written.')
  })

  it('refuses a preset it does not know', async () => {
    const site = await tempSite('preset-jekyll')
    const result = await runKabar(site, 'build', '--preset', 'gatsby')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--preset takes jekyll, hugo, eleventy, astro, auto or none, not "gatsby"')
  })

  it("follows _config.yml's permalink when kabar's config sets none, keeping jekyll-feed's ids", async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ posts: '_posts' }),
      '_config.yml': 'permalink: pretty\ntimezone: America/New_York\n',
      '_posts/2025-01-02-hello-world.md': '---\ntitle: Hello\ncategories: News\n---\nHi.\n',
    })
    const report = await build({ cwd: site, now: NOW, out: path.join(site, 'dist') })
    expect(report.ok).toBe(true)
    const feed = await readFile(path.join(site, 'dist', 'feed.xml'), 'utf8')
    expect(feed).toContain('<id>https://t.example/news/2025/01/02/hello-world</id>')
    expect(feed).toContain('href="https://t.example/news/2025/01/02/hello-world/"')
    expect(feed).toContain('<published>2025-01-02T05:00:00Z</published>')
  })

  it("warns when site.url leaves out _config.yml's baseurl, which every old link and id had", async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ posts: '_posts' }),
      '_config.yml': 'url: "https://t.example"\nbaseurl: "/blog"\n',
      '_posts/2025-01-02-hello.md': '---\ntitle: Hello\n---\nHi.\n',
    })
    const result = await runKabar(site, 'check')
    expect(result.stderr).toContain(
      "kabar.config.json: warning: site.url is https://t.example/, but _config.yml puts the site at https://t.example/blog/, where its feeds' links and ids were — set site.url to https://t.example/blog/ to keep them",
    )
  })

  it('rejects a date with two different years, showing what to write', async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ posts: '_posts' }),
      '_posts/2023-01-29-clock.md': '---\ntitle: Clock\ndate: 2023-01-29 18:30:22 2024 -0800\n---\nHi.\n',
    })
    const result = await runKabar(site, 'build')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      '_posts/2023-01-29-clock.md:3: date "2023-01-29 18:30:22 2024 -0800" names two years, 2023 and 2024 — write it as "2023-01-29 18:30:22" with the right year',
    )
  })
})

describe('Hugo sites', () => {
  it("uses hugo.toml's [permalinks] and timeZone, and writes index.xml", async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ posts: 'content/posts' }),
      'hugo.toml': "timeZone = 'Asia/Tokyo'\n[permalinks]\n  posts = '/:year/:month/:slug/'\n",
      'content/posts/first.md': "+++\ntitle = 'First Post'\ndate = 2025-03-01\nslug = 'Erster'\n+++\nHi.\n",
    })
    const report = await build({ cwd: site, now: NOW, out: path.join(site, 'dist') })
    expect(report.preset).toEqual({ name: 'hugo', reason: 'recognized by hugo.toml' })
    const feed = await readFile(path.join(site, 'dist', 'index.xml'), 'utf8')
    expect(feed).toContain('<link>https://t.example/2025/03/erster/</link>')
    expect(feed).toContain('<pubDate>Fri, 28 Feb 2025 15:00:00 GMT</pubDate>')
  })

  it('fails on a ref to a post that does not exist', async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ posts: 'content/posts', preset: 'hugo' }),
      'content/posts/a.md': '---\ntitle: A\ndate: 2025-01-01\n---\nSee [b]({{< ref "b.md" >}}).\n',
    })
    const result = await runKabar(site, 'build')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'content/posts/a.md:5: {{< ref "b.md" >}} names no post — check the path (relative to content/)',
    )
  })
})

describe('dates from git history and file times', () => {
  it("takes a dateless post's date from the commit that added it (a date: line in the body is no date)", async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG(),
      'posts/undated.md': '---\ntitle: Undated\n---\nNo date here.\n\ndate: written in the body\n',
    })
    await git(site, 'init', '-q')
    await git(site, 'add', '.')
    await run('git', ['commit', '-q', '-m', 'first'], {
      cwd: site,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'W',
        GIT_AUTHOR_EMAIL: 'w@t.example',
        GIT_COMMITTER_NAME: 'W',
        GIT_COMMITTER_EMAIL: 'w@t.example',
        GIT_AUTHOR_DATE: '2024-05-06T07:08:09+02:00',
        GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
        HOME: site,
      },
    })
    const report = await build({ cwd: site, now: NOW, out: path.join(site, 'dist') })
    expect(report.errors).toEqual([])
    const feed = JSON.parse(await readFile(path.join(site, 'dist', 'feed.json'), 'utf8'))
    expect(feed.items[0].date_published).toBe('2024-05-06T05:08:09Z')
  })

  it('says why in a shallow clone, where history cannot give the date', async () => {
    const origin = await tempSite()
    await writeFiles(origin, {
      'kabar.config.json': CONFIG(),
      'posts/undated.md': '---\ntitle: Undated\n---\nNo date here.\n',
    })
    await git(origin, 'init', '-q')
    await git(origin, 'add', '.')
    await git(origin, 'commit', '-q', '-m', 'first')
    const clone = await tempSite()
    await git(clone, 'clone', '-q', '--depth', '1', `file://${origin}`, 'site')
    const result = await runKabar(path.join(clone, 'site'), 'build')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'posts/undated.md:1: date is missing — add a line "date: YYYY-MM-DD" to the frontmatter, or start the file name with the date (this is a shallow git clone, so its history cannot give the date: fetch all of it with git fetch --unshallow)',
    )
  })

  it('uses the file time only when the config asks, and warns', async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ dateFallback: ['git', 'mtime'] }),
      'posts/undated.md': '---\ntitle: Undated\n---\nNo date here.\n',
    })
    const time = new Date('2025-07-01T12:00:00Z')
    await utimes(path.join(site, 'posts', 'undated.md'), time, time)
    const result = await runKabar(site, 'build')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(
      `posts/undated.md:1: warning: date was taken from the file's modification time (2025-07-01T12:00:00Z), which a fresh clone or copy changes — add a line "date: 2025-07-01T12:00:00Z" to the frontmatter`,
    )
    const withoutMtime = await tempSite()
    await writeFiles(withoutMtime, {
      'kabar.config.json': CONFIG(),
      'posts/undated.md': '---\ntitle: Undated\n---\nNo date here.\n',
    })
    expect((await runKabar(withoutMtime, 'build')).code).toBe(1)
  })

  it("reads Eleventy's date: git Created from history", async () => {
    const site = await tempSite()
    await writeFiles(site, {
      'kabar.config.json': CONFIG({ preset: 'eleventy' }),
      'posts/created.md': '---\ntitle: Created\ndate: git Created\n---\nHi.\n',
    })
    await git(site, 'init', '-q')
    await git(site, 'add', '.')
    await run('git', ['commit', '-q', '-m', 'first'], {
      cwd: site,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'W',
        GIT_AUTHOR_EMAIL: 'w@t.example',
        GIT_COMMITTER_NAME: 'W',
        GIT_COMMITTER_EMAIL: 'w@t.example',
        GIT_AUTHOR_DATE: '2023-02-03T04:05:06Z',
        HOME: site,
      },
    })
    const report = await build({ cwd: site, now: NOW, out: path.join(site, 'dist') })
    expect(report.errors).toEqual([])
    const feed = JSON.parse(await readFile(path.join(site, 'dist', 'feed.json'), 'utf8'))
    expect(feed.items[0].date_published).toBe('2023-02-03T04:05:06Z')
  })
})

describe('recognizePreset', () => {
  const listing = (folder: string, ...names: string[]) => ({ folder, names: new Set(names) })
  const source = (relativePath: string, text: string): SourceFile => ({
    path: `/s/${relativePath}`,
    relativePath,
    text,
  })

  it('knows Jekyll by its _posts folder', () => {
    expect(recognizePreset('/s/_posts', [listing('/s/_posts'), listing('/s', '_config.yml')], [])).toEqual({
      name: 'jekyll',
      evidence: 'the _posts folder',
      root: '/s',
    })
  })

  it('takes the config file nearest to the posts', () => {
    const listings = [listing('/s/site/content/posts'), listing('/s/site/content'), listing('/s/site', 'hugo.toml')]
    expect(
      recognizePreset('/s/site/content/posts', [...listings, listing('/s', 'astro.config.mjs')], [], '/s'),
    ).toEqual({
      name: 'hugo',
      evidence: 'site/hugo.toml',
      root: '/s/site',
    })
  })

  it('takes config.toml for Hugo only beside Hugo folders', () => {
    expect(recognizePreset('/s/content', [listing('/s/content'), listing('/s', 'config.toml')], [])).toBeUndefined()
    expect(
      recognizePreset('/s/content', [listing('/s/content'), listing('/s', 'config.toml', 'archetypes')], []),
    ).toMatchObject({ name: 'hugo' })
  })

  it('asks when one folder holds two generators and the posts do not tell', () => {
    const listings = [listing('/s/posts'), listing('/s', '_config.yml', 'astro.config.mjs')]
    expect(recognizePreset('/s/posts', listings, [])).toEqual({ ambiguous: ['jekyll', 'astro'] })
    const astroPost = source('a.md', '---\ntitle: A\npubDate: 2024-01-01\n---\n')
    expect(recognizePreset('/s/posts', listings, [astroPost])).toMatchObject({ name: 'astro' })
  })

  it("falls back to Astro's folders, then to the posts' frontmatter", () => {
    expect(recognizePreset('/s/src/content/blog', [listing('/s/src/content/blog')], [])).toMatchObject({
      name: 'astro',
      evidence: 'the src/content folder',
    })
    const tomlPost = source('x.md', '+++\ntitle = "X"\n+++\n')
    expect(recognizePreset('/s/posts', [listing('/s/posts')], [tomlPost])).toMatchObject({
      name: 'hugo',
      evidence: 'TOML frontmatter (+++) in x.md',
    })
    expect(recognizePreset('/s/posts', [listing('/s/posts')], [source('y.md', '---\ntitle: Y\n---\n')])).toBe(undefined)
  })
})
