import { KabarError } from '../../errors.js'
import { calendarFieldsIn, formatRfc3339 } from '../dates.js'
import { contentPath, joinSitePath, siteUrlFor } from './paths.js'
import type { DatedPost, Preset, PresetContext, PresetPost } from './types.js'
import { isRecord, isTrue, readDateValue, textValue } from './values.js'

/**
 * Hugo (https://gohugo.io/content-management/). Its RSS feed is `index.xml`
 * with each item's permalink as guid, so keeping the URL keeps the id.
 */

/**
 * Hugo reads frontmatter keys case-insensitively (`publishdate`, `lastMod`,
 * `Title` all work); kabar's names are case-sensitive, so keys are
 * renamed to these spellings.
 */
const CANONICAL_KEYS = [
  'title',
  'date',
  'publishDate',
  'lastmod',
  'expiryDate',
  'draft',
  'slug',
  'url',
  'summary',
  'description',
  'tags',
  'categories',
  'author',
  'authors',
  'image',
  'images',
  'headless',
  'build',
]

export const hugo: Preset = {
  name: 'hugo',
  output: { rss: 'index.xml' },
  templates: 'hugo',
  hasBundles: true,

  prepareData(post, { config }) {
    const { data, fieldLines } = withCanonicalKeys(post)
    const problems: KabarError[] = []
    if (data.expiryDate === undefined && data.unpublishdate !== undefined) data.expiryDate = data.unpublishdate
    // Hugo publishes a post at its publishDate: that is the date a reader should see.
    if (data.publishDate !== undefined && data.publishDate !== null) {
      data.date = data.publishDate
      setLine(fieldLines, 'date', fieldLines.get('publishDate'))
    } else if (data.date === undefined && data.lastmod !== undefined) {
      data.date = data.lastmod
      setLine(fieldLines, 'date', fieldLines.get('lastmod'))
    }
    if (data.image === undefined) {
      const image = firstImage(data)
      if (image !== undefined) {
        data.image = image.value
        setLine(fieldLines, 'image', fieldLines.get(image.field))
      }
    }
    if (data.expiryDate !== undefined && readDateValue(data.expiryDate, config.site.timezone) === undefined) {
      problems.push(
        new KabarError(
          'DATE_INVALID',
          `expiryDate ${JSON.stringify(data.expiryDate)} is not a date — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"`,
          { file: post.file, line: fieldLines.get('expiryDate') ?? 1, field: 'expiryDate' },
        ),
      )
    }
    return { data, fieldLines, problems }
  },

  postUrl(post, context) {
    if (textValue(post.data.url) !== undefined || textValue(post.data.permalink) !== undefined) return undefined
    const pattern =
      (context.config.configuredKeys.has('permalink') ? context.config.permalink : undefined) ??
      context.preset.generatorPermalink
    const sitePath =
      pattern === undefined ? bundlePath(post, context.preset.section) : expandHugoPermalink(pattern, post, context)
    const url = siteUrlFor(sitePath, context.config.site.url)
    return url === undefined ? { field: 'slug', message: `slug gives no usable URL (${sitePath})` } : { url }
  },

  exclusion(post, { config, now }) {
    const expiry = readDateValue(post.data.expiryDate, config.site.timezone)
    if (expiry !== undefined && expiry <= now) {
      return `its expiryDate (${formatRfc3339(expiry)}) has passed, so Hugo no longer publishes it`
    }
    if (isTrue(post.data.headless)) return 'it is headless (headless: true), so Hugo gives it no page'
    const build = isRecord(post.data.build) ? post.data.build : isRecord(post.data._build) ? post.data._build : {}
    if (build.list === 'never' || build.list === false || build.render === 'never' || build.render === false) {
      return 'its build options keep it out of Hugo\'s lists and feeds (build.list or build.render is "never")'
    }
    return undefined
  },
}

function withCanonicalKeys(post: PresetPost): { data: Record<string, unknown>; fieldLines: Map<string, number> } {
  const data: Record<string, unknown> = { ...post.data }
  const fieldLines = new Map(post.fieldLines)
  for (const [key, value] of Object.entries(post.data)) {
    const canonical = CANONICAL_KEYS.find((name) => name.toLowerCase() === key.toLowerCase())
    if (canonical === undefined || canonical === key || data[canonical] !== undefined) continue
    data[canonical] = value
    delete data[key]
    setLine(fieldLines, canonical, post.fieldLines.get(key))
  }
  return { data, fieldLines }
}

function setLine(fieldLines: Map<string, number>, key: string, line: number | undefined): void {
  if (line !== undefined) fieldLines.set(key, line)
}

/** The featured image as themes name it: `images` (Hugo's own templates), `cover.image` (PaperMod), `featured_image`. */
function firstImage(data: Record<string, unknown>): { field: string; value: string } | undefined {
  const images = Array.isArray(data.images) ? textValue(data.images[0]) : textValue(data.images)
  if (images !== undefined) return { field: 'images', value: images }
  const cover = isRecord(data.cover) ? textValue(data.cover.image) : undefined
  if (cover !== undefined) return { field: 'cover', value: cover }
  const featured = textValue(data.featured_image) ?? textValue(data.featureImage)
  if (featured !== undefined) return { field: 'featured_image', value: featured }
  return undefined
}

/** Hugo's default URL: section, folders, then the file name or bundle folder (or `slug`), in lower case. */
function bundlePath(post: DatedPost, section: string): string {
  const parts = contentPath(post.relativePath).split('/')
  const slug = textValue(post.data.slug)
  if (slug !== undefined) parts.splice(-1, 1, slug)
  return joinSitePath(
    [section, ...parts].map((part) => urlize(part)),
    { trailingSlash: true },
  )
}

/** A `[permalinks]` pattern with Hugo's tokens (https://gohugo.io/content-management/urls/#tokens). */
function expandHugoPermalink(pattern: string, post: DatedPost, { config, preset }: PresetContext): string {
  const { year, month, day } = calendarFieldsIn(post.date, config.site.timezone)
  const parts = contentPath(post.relativePath).split('/')
  const fileName = parts.at(-1) ?? ''
  const title = textValue(post.data.title) ?? ''
  const slug = textValue(post.data.slug)
  const sections = preset.section.split('/').filter((part) => part !== '')
  const values: Record<string, string> = {
    year,
    month,
    day,
    section: sections[0] ?? '',
    sections: sections.join('/'),
    title: urlize(title),
    slug: urlize(slug ?? title),
    slugorfilename: urlize(slug ?? fileName),
    filename: urlize(fileName),
    contentbasename: urlize(fileName),
  }
  const expanded = pattern.replace(/:([a-z]+)/g, (match, name: string) => values[name] ?? match)
  return joinSitePath([expanded.toLowerCase()], { trailingSlash: expanded.endsWith('/') })
}

/** Hugo's `urlize` for paths: lower case, spaces to `-`, and only letters, digits and `._-+~#` kept. */
function urlize(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}\p{M}._\-+~#]/gu, '')
}
