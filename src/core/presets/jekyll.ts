import path from 'node:path'
import { calendarFieldsIn } from '../dates.js'
import { encodePathSegment, siteUrlFor } from './paths.js'
import type { DatedPost, Preset, PresetContext } from './types.js'
import { isRecord, textValue } from './values.js'

/**
 * Jekyll with jekyll-feed, as Jekyll 4 reads posts
 * (https://jekyllrb.com/docs/posts/, https://github.com/jekyll/jekyll-feed).
 *
 * Readers of a migrated blog keep their place only if every entry id stays
 * what jekyll-feed wrote: the absolute form of Jekyll's `post.id`, which is
 * the URL's folder plus the slug, with no `.html` — so URLs and ids are
 * built here exactly as Jekyll builds them.
 */

/** `_posts/2025-01-29-my-post.md`: Jekyll reads only files named like this in `_posts`. */
const DATE_FILE_NAME = /^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$/

/** Jekyll's built-in permalink styles (https://jekyllrb.com/docs/permalinks/#built-in-formats). */
const PERMALINK_STYLES: Readonly<Record<string, string>> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  weekdate: '/:categories/:year/W:week/:short_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
}

const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']

export const jekyll: Preset = {
  name: 'jekyll',
  output: { atom: 'feed.xml' },
  templates: 'jekyll',
  hasBundles: false,

  prepareData(post, { config }) {
    const data: Record<string, unknown> = { ...post.data }
    // Jekyll's post.id ignores an `id` field (WordPress imports write numbers there).
    delete data.id
    if (data.title === undefined || data.title === null || data.title === false || data.title === '') {
      data.title = titleizeSlug(fileSlug(post.relativePath))
    }
    for (const name of ['categories', 'tags']) {
      const value = data[name]
      if (typeof value === 'string') data[name] = value.split(/\s+/).filter((word) => word !== '')
    }
    // jekyll-feed writes `post.image | absolute_url`: site.url, then baseurl, then the path.
    const image = isRecord(data.image) ? data.image.path : data.image
    const imagePath = textValue(image)
    if (imagePath !== undefined) {
      data.image = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(imagePath) ? imagePath : siteUrlFor(imagePath, config.site.url)
    }
    return { data, problems: [] }
  },

  postUrl(post, context) {
    const sitePath = jekyllSitePath(post, context)
    if ('message' in sitePath) return sitePath
    const url = siteUrlFor(sitePath.path, context.config.site.url)
    return url === undefined ? { field: sitePath.field, message: `${sitePath.field} gives no usable URL` } : { url }
  },

  postId(post, context) {
    const sitePath = jekyllSitePath(post, context)
    if ('message' in sitePath) return undefined
    const slug = textValue(post.data.slug) ?? fileSlug(post.relativePath)
    return siteUrlFor(joinRubyPath(rubyDirname(sitePath.path), slug), context.config.site.url)
  },

  exclusion(post, { config }) {
    if (path.basename(config.postsDir) !== '_posts') return undefined
    const fileName = post.relativePath.split('/').at(-1) ?? ''
    return DATE_FILE_NAME.test(fileName)
      ? undefined
      : 'its name does not start with YYYY-MM-DD-, so Jekyll never published it — rename it to publish it'
  },
}

/** The URL path Jekyll gives the post, before `site.url` and `baseurl`. */
function jekyllSitePath(
  post: DatedPost,
  { config, preset }: PresetContext,
): { path: string; field: string } | { field: string; message: string } {
  const ownPermalink = textValue(post.data.permalink)
  const field = 'permalink'
  const pattern =
    ownPermalink ??
    (config.configuredKeys.has('permalink') ? config.permalink : undefined) ??
    preset.generatorPermalink ??
    'date'
  const template = PERMALINK_STYLES[pattern] ?? pattern
  const values = placeholderValues(post, config.site.timezone, preset.section)
  const unknown: string[] = []
  const expanded = template.replace(/:([a-z_]+)/g, (match, name: string) => {
    const value = values[name] ?? (name.endsWith('_') ? values[name.slice(0, -1)] : undefined)
    if (value === undefined) {
      unknown.push(match)
      return match
    }
    return value
      .split('/')
      .map((segment) => encodePathSegment(segment))
      .join('/')
  })
  if (unknown.length > 0) {
    const where = ownPermalink === undefined ? 'the site permalink' : `permalink "${ownPermalink}"`
    return {
      field,
      message: `${where} uses ${unknown.join(', ')}, which Jekyll does not fill in — use :categories, :year, :month, :day, :title or :slug`,
    }
  }
  // Jekyll's URL#sanitize_url: no empty segments, no dot-only segments.
  const sanitized = `/${expanded}`.replace(/\/{2,}/g, '/').replace(/\.+\//g, '/')
  return { path: sanitized, field }
}

function placeholderValues(post: DatedPost, timeZone: string, section: string): Record<string, string> {
  const slug = textValue(post.data.slug) ?? fileSlug(post.relativePath)
  const fileName = post.relativePath.split('/').at(-1) ?? ''
  const { year, month, day } = calendarFieldsIn(post.date, timeZone)
  const clock = clockIn(post.date, timeZone)
  const dayOfWeek = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDay()
  return {
    categories: jekyllCategories(post.data, section).join('/'),
    year,
    month,
    day,
    hour: clock.hour,
    minute: clock.minute,
    second: clock.second,
    i_month: String(Number(month)),
    i_day: String(Number(day)),
    short_year: year.slice(-2),
    short_month: SHORT_MONTHS[Number(month) - 1] ?? '',
    long_month: LONG_MONTHS[Number(month) - 1] ?? '',
    y_day: String(dayOfYear(Number(year), Number(month), Number(day))).padStart(3, '0'),
    week: String(isoWeek(Number(year), Number(month), Number(day))).padStart(2, '0'),
    short_day: SHORT_DAYS[dayOfWeek] ?? '',
    title: slugifyPretty(slug),
    slug: slugifyDefault(slug),
    name: slugifyDefault(fileName.replace(/\.[^.]+$/, '')),
    output_ext: '.html',
  }
}

/**
 * Categories as Jekyll collects them: folders above `_posts` (`es/_posts`
 * gives `es`), then `categories` (a string is split at spaces), then
 * `category`, each once, in lower case for the URL.
 */
function jekyllCategories(data: Readonly<Record<string, unknown>>, section: string): string[] {
  // The folders above the posts folder, not the posts folder itself.
  const fromPath = section
    .split('/')
    .filter((part) => part !== '')
    .slice(0, -1)
  const listed = (value: unknown): string[] => {
    if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '')
    if (typeof value === 'number') return [String(value)]
    return Array.isArray(value) ? value.filter((item) => ['string', 'number'].includes(typeof item)).map(String) : []
  }
  const category = data.category === undefined || data.category === null ? [] : [String(data.category)]
  const all = [...fromPath, ...listed(data.categories), ...category].map((name) => name.toLowerCase())
  return [...new Set(all)]
}

/** The slug in a Jekyll post's file name: `2025-01-29-my-post.md` → `my-post`. */
function fileSlug(relativePath: string): string {
  const fileName = relativePath.split('/').at(-1) ?? relativePath
  const dated = DATE_FILE_NAME.exec(fileName)
  return (dated?.[2] ?? fileName.replace(/\.[^.]+$/, '')).replace(/\.+$/, '')
}

/** Jekyll's `Utils.titleize_slug`: `my-first-post` → `My First Post`. */
function titleizeSlug(slug: string): string {
  return slug
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join(' ')
}

/** Jekyll's `slugify(mode: "pretty", cased: true)`, which `:title` uses. */
function slugifyPretty(text: string): string {
  return text.replace(/[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+/gu, '-').replace(/^-+|-+$/g, '')
}

/** Jekyll's default `slugify`, which `:slug` uses. */
function slugifyDefault(text: string): string {
  return text
    .replace(/[^\p{M}\p{L}\p{Nd}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
}

/** Ruby's `File.dirname`: trailing slashes do not count. */
function rubyDirname(sitePath: string): string {
  const trimmed = sitePath.replace(/\/+$/, '')
  const cut = trimmed.lastIndexOf('/')
  return cut <= 0 ? '/' : trimmed.slice(0, cut)
}

function joinRubyPath(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, '')}/${name}`
}

function clockIn(date: Date, timeZone: string): { hour: string; minute: string; second: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date)
  const part = (type: string) => (parts.find((item) => item.type === type)?.value ?? '0').padStart(2, '0')
  return { hour: part('hour'), minute: part('minute'), second: part('second') }
}

function dayOfYear(year: number, month: number, day: number): number {
  return (Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / 86_400_000 + 1
}

/** ISO 8601 week number (`%V`). */
function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day))
  const weekday = date.getUTCDay() || 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday)
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1)
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7)
}
