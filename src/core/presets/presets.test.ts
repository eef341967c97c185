import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../config.js'
import { normalizePost } from '../normalize.js'
import { applyPreset } from './index.js'
import type { ActivePreset, PresetName } from './types.js'

const NOW = new Date('2026-01-01T00:00:00Z')

function normalize(
  name: PresetName,
  relativePath: string,
  text: string,
  options: { section?: string; generatorPermalink?: string; config?: Record<string, unknown> } = {},
) {
  const config = resolveConfig(
    { site: { title: 'T', url: 'https://t.example/blog/' }, posts: 'posts', ...options.config },
    { configPath: '/site/kabar.config.json' },
  )
  const active: ActivePreset = {
    name,
    reason: 'test',
    section: options.section ?? 'posts',
    generatorPermalink: options.generatorPermalink,
    generatorTimezone: undefined,
  }
  const result = normalizePost(
    { path: `/site/posts/${relativePath}`, relativePath, text },
    { config: applyPreset(config, active), now: NOW },
  )
  return {
    post: result.post,
    problems: result.problems.map((problem) => `${problem.line}: ${problem.message}`),
  }
}

describe('the jekyll preset', () => {
  it("builds Jekyll's default URL and jekyll-feed's id, with no empty category segments", () => {
    const { post } = normalize('jekyll', '2025-01-29-hello-world.md', '---\ntitle: Hi\n---\nx\n', {
      section: '_posts',
    })
    expect(post?.url).toBe('https://t.example/blog/2025/01/29/hello-world.html')
    expect(post?.id).toBe('https://t.example/blog/2025/01/29/hello-world')
  })

  it('takes categories from folders above _posts, then categories, then category, in lower case', () => {
    const { post } = normalize(
      'jekyll',
      '2025-01-29-hola.md',
      '---\ntitle: Hola\ncategories: Viajes Notas\ncategory: Extra\n---\nx\n',
      { section: 'es/_posts' },
    )
    expect(post?.url).toBe('https://t.example/blog/es/viajes/notas/extra/2025/01/29/hola.html')
  })

  it('reads the built-in styles and placeholders, and uses the frontmatter slug', () => {
    const ordinal = normalize('jekyll', '2025-02-03-x.md', '---\ntitle: X\nslug: Other Name\n---\nx\n', {
      generatorPermalink: 'ordinal',
    })
    expect(ordinal.post?.url).toBe('https://t.example/blog/2025/034/Other-Name.html')
    expect(ordinal.post?.id).toBe('https://t.example/blog/2025/034/Other%20Name')
    const custom = normalize('jekyll', '2025-02-03-x.md', '---\ntitle: X\n---\nx\n', {
      config: { permalink: '/:short_year/:i_month/:i_day/:slug/' },
    })
    expect(custom.post?.url).toBe('https://t.example/blog/25/2/3/x/')
    expect(custom.post?.id).toBe('https://t.example/blog/25/2/3/x')
  })

  it('refuses a placeholder Jekyll does not have', () => {
    const { post, problems } = normalize(
      'jekyll',
      '2025-02-03-x.md',
      '---\ntitle: X\npermalink: /:author/:title/\n---\n',
    )
    expect(post).toBeUndefined()
    expect(problems).toEqual([
      '3: permalink "/:author/:title/" uses :author, which Jekyll does not fill in — use :categories, :year, :month, :day, :title or :slug',
    ])
  })
})

describe('the hugo preset', () => {
  it('lower-cases paths, lets slug replace the file name and reads keys in any case', () => {
    const { post } = normalize(
      'hugo',
      'Travel/My Trip.md',
      '---\nTitle: Trip\nPublishDate: 2025-01-02\nSlug: Rome 2025\n---\nx\n',
    )
    expect(post?.title).toBe('Trip')
    expect(post?.url).toBe('https://t.example/blog/posts/travel/rome-2025/')
  })

  it('dates a post by its publishDate, so a future one waits', () => {
    const { post } = normalize('hugo', 'x.md', '---\ntitle: X\ndate: 2025-01-01\npublishDate: 2026-02-01\n---\n')
    expect(post?.date.toISOString()).toBe('2026-02-01T00:00:00.000Z')
  })

  it('excludes expired, headless and unlisted pages, and rejects an expiryDate that is no date', () => {
    expect(
      normalize('hugo', 'a.md', '---\ntitle: A\ndate: 2025-01-01\nheadless: true\n---\n').post?.excludedBecause,
    ).toBe('it is headless (headless: true), so Hugo gives it no page')
    expect(
      normalize('hugo', 'b.md', '---\ntitle: B\ndate: 2025-01-01\nbuild:\n  list: never\n---\n').post?.excludedBecause,
    ).toBe('its build options keep it out of Hugo\'s lists and feeds (build.list or build.render is "never")')
    expect(normalize('hugo', 'c.md', '---\ntitle: C\ndate: 2025-01-01\nexpiryDate: soon\n---\n').problems).toEqual([
      '4: expiryDate "soon" is not a date — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"',
    ])
  })
})

describe('the eleventy preset', () => {
  it('refuses a permalink template kabar cannot fill in, and a date that changes with every edit', () => {
    const permalink = normalize(
      'eleventy',
      'x.md',
      '---\ntitle: X\ndate: 2025-01-01\npermalink: "/{{ page.date | year }}/x/"\n---\n',
    )
    expect(permalink.problems).toEqual([
      '4: permalink "/{{ page.date | year }}/x/" uses {{ page.date | year }}, which kabar does not run — write the URL it gives, such as /blog/my-post/',
    ])
    const modified = normalize('eleventy', 'y.md', '---\ntitle: Y\ndate: git Last Modified\n---\n')
    expect(modified.problems).toContain(
      '3: date "git Last Modified" changes with every edit, so feed readers would show the post again as new each time — write the day it was published as YYYY-MM-DD',
    )
  })
})

describe('the astro preset', () => {
  it('slugs the entry id as Astro does and honours a legacy slug', () => {
    expect(normalize('astro', 'Launch Day!.md', "---\ntitle: L\npubDate: 'Jul 08 2022'\n---\n").post?.url).toBe(
      'https://t.example/blog/posts/launch-day/',
    )
    expect(normalize('astro', 'x.md', '---\ntitle: X\npubDate: 2022-07-08\nslug: custom/path\n---\n').post?.url).toBe(
      'https://t.example/blog/posts/custom/path/',
    )
  })
})
