import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evaluateInPage, findChromium } from './helpers/chromium.js'
import { copySampleSite, removeSite, runKabar } from './helpers/temp-site.js'

/**
 * dist/feed.html as a browser shows it: headless Chromium renders the page
 * and the assertions read the rendered text (`innerText`: CSS applied).
 * Browsers are dropping XSLT, so this page is what a reader who clicks a
 * feed link sees. No screenshot is kept.
 */

const chromium = findChromium()
if (chromium === undefined) {
  console.warn(
    'browser view: chromium not found on PATH, so dist/feed.html is not checked in a browser — install it (Debian: apt-get install chromium)',
  )
}

let site: string
let page: Record<string, unknown>

beforeAll(async () => {
  if (chromium === undefined) return
  site = await copySampleSite({ feeds: { tags: ['AI', 'Cloud'] }, output: { html: true } })
  // A title that is markup as text must show as text and never run.
  const post = path.join(site, 'posts/2025-02-10-belanja-cloud-raksasa-teknologi.md')
  await writeFile(
    post,
    (await readFile(post, 'utf8')).replace(/^title: .*$/m, 'title: "Mengapa <script>alert(1)</script> & </div> aman"'),
  )
  const build = await runKabar(site, 'build')
  expect(build.code, build.stderr).toBe(0)
  page = await evaluateInPage(chromium, path.join(site, 'dist/feed.html'), {
    text: 'document.body.innerText',
    lang: 'document.documentElement.lang',
    title: 'document.title',
    articles: 'document.querySelectorAll("article").length',
    scripts: 'document.scripts.length',
    maxWidth: 'getComputedStyle(document.body).maxWidth',
    urlSelection: 'getComputedStyle(document.querySelector("code")).userSelect',
    feedLinks: '[...document.querySelectorAll("link[rel=alternate]")].map((link) => link.type + " " + link.href)',
  })
}, 60_000)
afterAll(async () => {
  if (site !== undefined) await removeSite(site)
})

describe.skipIf(chromium === undefined)('dist/feed.html in headless Chromium', () => {
  it('is in the site language, titled after the site', () => {
    expect(page.lang).toBe('id')
    expect(page.title).toBe('Nemes Corp')
  })

  it('shows the title, the description and what a feed is, in Indonesian', () => {
    const text = page.text as string
    expect(text).toMatch(/^Nemes Corp\n+Berita teknologi, AI dan bisnis digital dari redaksi Nemes Corp\.\n/)
    expect(text).toContain('Ini adalah feed: tulisan terbaru dari situs ini')
  })

  it('says how to subscribe, with every feed URL ready to copy in one click', () => {
    const text = page.text as string
    expect(text).toContain('Berlangganan\n')
    expect(text).toMatch(/RSS\s+https:\/\/nemes\.example\/rss\.xml/)
    expect(text).toMatch(/Atom\s+https:\/\/nemes\.example\/atom\.xml/)
    expect(text).toMatch(/JSON Feed\s+https:\/\/nemes\.example\/feed\.json/)
    expect(page.urlSelection).toBe('all')
  })

  it('lists the items with their dates, authors and summaries', () => {
    const text = page.text as string
    expect(page.articles).toBe(5)
    expect(text).toContain('Tulisan terbaru')
    expect(text).toContain('Nilai Pasar Alibaba Melonjak, Jack Ma Kembali Tampil di Publik')
    expect(text).toContain('5 Maret 2025 · Redaksi Nemes Corp')
    expect(text).toContain('Saham Alibaba Group menjadi salah satu yang paling kencang naiknya')
    expect(text).not.toMatch(/<p>|&amp;|&lt;/)
  })

  it('shows a title that looks like markup as text, and runs no script', () => {
    expect(page.text).toContain('Mengapa <script>alert(1)</script> & </div> aman')
    expect(page.scripts).toBe(0)
  })

  it('links the topic feeds and announces the main feeds to the browser', () => {
    const text = page.text as string
    expect(text).toContain('Topik\n')
    expect(text).toContain('AI: RSS · Atom · JSON Feed')
    expect(text).toContain('Cloud: RSS · Atom · JSON Feed')
    expect(page.feedLinks).toEqual([
      'application/rss+xml https://nemes.example/rss.xml',
      'application/atom+xml https://nemes.example/atom.xml',
      'application/feed+json https://nemes.example/feed.json',
    ])
  })

  it('is styled: a readable column, not the browser defaults', () => {
    expect(page.maxWidth).not.toBe('none')
  })
})
