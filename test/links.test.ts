import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { SaxesParser } from 'saxes'
import { afterEach, describe, expect, it } from 'vitest'
import { copySampleSite, removeSite, runKabar } from './helpers/temp-site.js'

let site: string
afterEach(async () => {
  await removeSite(site)
})

describe('kabar links', () => {
  it('prints the autodiscovery tags of the main feeds from the config alone', async () => {
    site = await copySampleSite()
    const result = await runKabar(site, 'links')
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        '<link rel="alternate" type="application/rss+xml" title="Nemes Corp (RSS)" href="https://nemes.example/rss.xml">',
        '<link rel="alternate" type="application/atom+xml" title="Nemes Corp (Atom)" href="https://nemes.example/atom.xml">',
        '<link rel="alternate" type="application/feed+json" title="Nemes Corp (JSON Feed)" href="https://nemes.example/feed.json">',
        '',
      ].join('\n'),
    )
  })

  it('adds the tag and author feeds with --tags and --authors', async () => {
    site = await copySampleSite({ feeds: { tags: ['AI', 'Cloud'], authors: true }, output: { json: false } })
    const result = await runKabar(site, 'links', '--tags', '--authors')
    expect(result.code).toBe(0)
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      '<link rel="alternate" type="application/rss+xml" title="Nemes Corp (RSS)" href="https://nemes.example/rss.xml">',
      '<link rel="alternate" type="application/atom+xml" title="Nemes Corp (Atom)" href="https://nemes.example/atom.xml">',
      '<link rel="alternate" type="application/rss+xml" title="Nemes Corp — AI (RSS)" href="https://nemes.example/tags/ai/rss.xml">',
      '<link rel="alternate" type="application/atom+xml" title="Nemes Corp — AI (Atom)" href="https://nemes.example/tags/ai/atom.xml">',
      '<link rel="alternate" type="application/rss+xml" title="Nemes Corp — Cloud (RSS)" href="https://nemes.example/tags/cloud/rss.xml">',
      '<link rel="alternate" type="application/atom+xml" title="Nemes Corp — Cloud (Atom)" href="https://nemes.example/tags/cloud/atom.xml">',
      '<link rel="alternate" type="application/rss+xml" title="Nemes Corp — Dewi Lestari (RSS)" href="https://nemes.example/authors/dewi-lestari/rss.xml">',
      '<link rel="alternate" type="application/atom+xml" title="Nemes Corp — Dewi Lestari (Atom)" href="https://nemes.example/authors/dewi-lestari/atom.xml">',
      '<link rel="alternate" type="application/rss+xml" title="Nemes Corp — Redaksi Nemes Corp (RSS)" href="https://nemes.example/authors/redaksi/rss.xml">',
      '<link rel="alternate" type="application/atom+xml" title="Nemes Corp — Redaksi Nemes Corp (Atom)" href="https://nemes.example/authors/redaksi/atom.xml">',
    ])
  })

  it('escapes a title for the attribute', async () => {
    site = await copySampleSite({ site: { title: 'Nemes "Corp" & <Co>' } })
    const result = await runKabar(site, 'links')
    expect(result.stdout).toContain('title="Nemes &quot;Corp&quot; &amp; &lt;Co&gt; (RSS)"')
  })

  it('says how to turn tag feeds on when the site writes none', async () => {
    site = await copySampleSite()
    const result = await runKabar(site, 'links', '--tags')
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'kabar.config.json: this site writes no such feeds — turn them on with "feeds": { "tags": true } in the config, then build\n',
    )
  })

  it('takes --tags only for kabar links', async () => {
    site = await copySampleSite()
    const result = await runKabar(site, 'build', '--tags')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--tags is an option of kabar links, not of kabar build')
  })
})

/** The xmlUrl of every OPML outline, read with a strict XML parser. */
function opmlFeedUrls(opml: string): string[] {
  const urls: string[] = []
  const parser = new SaxesParser()
  parser.on('opentag', (tag) => {
    const url = tag.attributes.xmlUrl
    if (tag.name === 'outline' && typeof url === 'string') urls.push(url)
  })
  parser.write(opml).close()
  return urls
}

describe('dist/feeds.opml', () => {
  it('lists every subscription feed written, and nothing else', async () => {
    site = await copySampleSite({ feeds: { tags: true, authors: true }, output: { opml: true } })
    expect((await runKabar(site, 'build')).code).toBe(0)
    const dist = path.join(site, 'dist')
    const written = (await readdir(dist, { recursive: true }))
      .filter((file) => /(^|\/)(rss\.xml|atom\.xml|feed\.json)$/.test(file))
      .map((file) => `https://nemes.example/${file.split(path.sep).join('/')}`)
    expect(written.length).toBe(3 * (1 + 9 + 2))
    const listed = opmlFeedUrls(await readFile(path.join(dist, 'feeds.opml'), 'utf8'))
    expect([...listed].sort()).toEqual([...written].sort())
  })
})
