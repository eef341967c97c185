import path from 'node:path'
import { KabarError, kabarWarning } from '../errors.js'
import type { Author, ResolvedConfig } from './config.js'
import { readOddDate } from './date-repair.js'
import { calendarFieldsIn, formatRfc3339, parseDate } from './dates.js'
import { parseFrontmatter } from './frontmatter.js'
import { imageTypeFor } from './media-types.js'
import type { Post, PostImage, SourceFile } from './post.js'
import {
  preparePresetFrontmatter,
  presetExclusion,
  presetImagePath,
  presetPostId,
  presetPostUrl,
} from './presets/index.js'
import { detachedString, hasForbiddenCharacters, lineAt, removeForbiddenCharacters, toSingleLine } from './text.js'
import { canonicalUrl, canonicalUrlAndPath, isWebUrl } from './urls.js'

/**
 * Field names and the aliases other generators' authors already use, first
 * match wins. Jekyll, Hugo, Eleventy and Astro posts work unchanged.
 */
export const FIELD_ALIASES = {
  title: ['title'],
  date: ['date', 'pubDate', 'publishDate', 'published'],
  updated: ['updated', 'lastmod', 'last_modified_at', 'modified', 'updatedDate'],
  summary: ['summary', 'description', 'excerpt'],
  author: ['author', 'authors'],
  image: ['image'],
} as const

const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})-(.+)$/

export interface NormalizeOptions {
  config: ResolvedConfig
  /** The build's clock, injected so tests can fix it. */
  now: Date
}

export interface NormalizeResult {
  post: Post | undefined
  problems: KabarError[]
}

/**
 * Turns one source file into a `Post`, or explains every problem with it.
 * Warnings come back alongside a post; errors come back without one.
 */
export function normalizePost(source: SourceFile, options: NormalizeOptions): NormalizeResult {
  const problems: KabarError[] = []
  const file = source.path
  let text = source.text
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n')
  if (hasForbiddenCharacters(text)) {
    const firstAt = text.search(/[^\t\n\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u)
    problems.push(
      kabarWarning(
        'CHARACTERS_REMOVED',
        'control or invalid characters were removed (feeds cannot carry them) — delete them from the file to silence this',
        { file, line: firstAt >= 0 ? lineAt(text, firstAt) : undefined },
      ),
    )
    text = removeForbiddenCharacters(text)
  }

  let parsed: ReturnType<typeof parseFrontmatter>
  try {
    // A preset renames and fills fields its generator reads differently (Hugo's `publishdate`, …).
    const prepared = preparePresetFrontmatter(parseFrontmatter(text, file), source, options.config)
    parsed = prepared.parsed
    problems.push(...prepared.problems)
  } catch (error) {
    if (error instanceof KabarError) return { post: undefined, problems: [...problems, error] }
    throw error
  }
  const { fieldLines } = parsed
  // The text holds none of them by now: only an escape (written with a backslash) can bring one back, or
  // a preset's value taken from elsewhere (a file name).
  const mayHoldEscapes = options.config.activePreset !== undefined || text.includes('\\')
  const data = removeEscapedForbiddenCharacters(parsed.data, mayHoldEscapes, (key) =>
    problems.push(
      kabarWarning(
        'CHARACTERS_REMOVED',
        `${key} holds control or invalid characters (written as escapes such as "\\x01" or "\\uD800"), which were removed — feeds cannot carry them`,
        { file, line: fieldLines.get(key), field: key },
      ),
    ),
  )
  const field = (names: readonly string[]): { name: string; value: unknown; line: number | undefined } | undefined => {
    for (const name of names) {
      const value = data[name]
      if (value !== undefined && value !== null && value !== '') return { name, value, line: fieldLines.get(name) }
    }
    return undefined
  }
  const fail = (fieldName: string, line: number | undefined, code: KabarError['code'], message: string) => {
    problems.push(new KabarError(code, message, { file, line: line ?? 1, field: fieldName }))
  }
  const { config, now } = options
  const fileName = path.basename(source.relativePath)
  const fileStem = fileName.replace(/\.(md|markdown)$/i, '')
  const dateFromName = DATE_PREFIX.exec(fileStem)

  // title
  let title = ''
  const titleField = field(FIELD_ALIASES.title)
  if (titleField === undefined) {
    fail('title', 1, 'FIELD_MISSING', 'title is missing — add a line "title: Your title" to the frontmatter')
  } else if (['string', 'number', 'boolean'].includes(typeof titleField.value)) {
    title = toSingleLine(String(titleField.value))
    if (title === '')
      fail('title', titleField.line, 'FIELD_MISSING', 'title is empty — write the post title after "title:"')
  } else {
    fail('title', titleField.line, 'FIELD_INVALID', 'title must be text — put the title in quotes on one line')
  }

  // date: frontmatter, else the Jekyll-style file name
  let date: Date | undefined
  // `published: no` says whether, not when.
  const isPublishedFlag = (value: unknown) => typeof value === 'boolean' || isFalsy(value) || isTruthy(value)
  const dateField = field(FIELD_ALIASES.date.filter((name) => !(name === 'published' && isPublishedFlag(data[name]))))
  if (dateField !== undefined) {
    date = readDate(dateField.name, dateField.value, dateField.line)
  } else if (dateFromName?.[1] !== undefined) {
    date = readDate('date', dateFromName[1], undefined, `file name ${fileName}`)
  } else if (source.fallbackDate !== undefined) {
    // Git history (or, when the config asks, the file's time), looked up by the I/O edge.
    date = source.fallbackDate.date
    if (source.fallbackDate.from === 'mtime') {
      problems.push(
        kabarWarning(
          'DATE_FROM_MTIME',
          `date was taken from the file's modification time (${formatRfc3339(date)}), which a fresh clone or copy changes — add a line "date: ${formatRfc3339(date)}" to the frontmatter`,
          { file, line: 1, field: 'date' },
        ),
      )
    }
  } else {
    fail(
      'date',
      1,
      'FIELD_MISSING',
      `date is missing — add a line "date: YYYY-MM-DD" to the frontmatter, or start the file name with the date${source.fallbackDateNote === undefined ? '' : ` (${source.fallbackDateNote})`}`,
    )
  }

  const updatedField = field(FIELD_ALIASES.updated)
  const updated = updatedField ? readDate(updatedField.name, updatedField.value, updatedField.line) : undefined
  if (updated && date && updated < date) {
    fail(
      updatedField?.name ?? 'updated',
      updatedField?.line,
      'DATE_INVALID',
      `${updatedField?.name} is earlier than the post's date — an update cannot come before publication`,
    )
  }
  if (updated && updated > now) {
    fail(
      updatedField?.name ?? 'updated',
      updatedField?.line,
      'DATE_INVALID',
      `${updatedField?.name} is in the future — set it to when the post was really changed`,
    )
  }

  // slug and URL
  const slugField = field(['slug'])
  const slug =
    typeof slugField?.value === 'string' || typeof slugField?.value === 'number'
      ? String(slugField.value).trim()
      : defaultSlug(source.relativePath, dateFromName?.[2])
  let url: string | undefined
  // The preset's views of the post are made only with a preset, and as literals: two spread copies of
  // one view per post were a quarter of normalizing it, preset or not.
  const presetPost =
    config.activePreset === undefined ? undefined : { file, relativePath: source.relativePath, data, fieldLines }
  const presetUrl =
    date === undefined || presetPost === undefined
      ? undefined
      : presetPostUrl(config, { file, relativePath: source.relativePath, data, fieldLines, date, slug })
  const urlField = presetUrl === undefined ? field(['permalink', 'url']) : undefined
  if (presetUrl !== undefined) {
    if ('url' in presetUrl) url = presetUrl.url
    else fail(presetUrl.field, fieldLines.get(presetUrl.field), 'FIELD_INVALID', presetUrl.message)
  } else if (urlField !== undefined) {
    url = typeof urlField.value === 'string' ? resolveSitePath(urlField.value, config.site.url) : undefined
    if (url === undefined || !isWebUrl(url)) {
      fail(
        urlField.name,
        urlField.line,
        'FIELD_INVALID',
        `${urlField.name} "${String(urlField.value)}" is not a URL or a path such as /2025/my-post/`,
      )
    }
  } else if (date !== undefined) {
    url = resolveSitePath(expandPermalink(config.permalink, slug, date, config.site.timezone), config.site.url)
  }

  // id: pinned in frontmatter, else the one the preset's generator gave, else the item URL
  let id =
    url === undefined || date === undefined || presetPost === undefined
      ? url
      : (presetPostId(config, { file, relativePath: source.relativePath, data, fieldLines, date, slug, url }) ?? url)
  const idField = field(['id'])
  if (idField !== undefined) {
    const written = String(idField.value)
    const canonical = canonicalUrl(written)
    if (canonical === undefined || typeof idField.value !== 'string') {
      fail(
        'id',
        idField.line,
        'FIELD_INVALID',
        `id "${written}" is not an absolute IRI — use a URL or a tag: or urn: IRI`,
      )
    } else if (canonical !== written) {
      fail(
        'id',
        idField.line,
        'ID_NOT_CANONICAL',
        `id "${written}" is not in canonical form — write it as "${canonical}"`,
      )
    } else {
      id = canonical
    }
  }

  const authors = readAuthors(field(FIELD_ALIASES.author))
  const tags = readTags(data)
  // One warning for the title and one for the tags, each naming the text.
  const markup = [
    { name: 'title', text: HTML_END_TAG.test(title) ? title : undefined, line: titleField?.line },
    { name: 'tags', text: tags.find((tag) => HTML_END_TAG.test(tag)), line: fieldLines.get('tags') },
  ]
  for (const { name, text, line } of markup) {
    if (text === undefined) continue
    problems.push(
      kabarWarning(
        'TITLE_HAS_MARKUP',
        `${name === 'title' ? 'title' : 'tag'} "${text}" holds text that looks like an HTML tag: it is published as text, exactly as written, but the W3C validator warns that an RSS reader may take it for markup — reword it (say "the div end tag") if that matters`,
        { file, line, field: name },
      ),
    )
  }
  const summaryField = field(FIELD_ALIASES.summary)
  const summary =
    summaryField && ['string', 'number'].includes(typeof summaryField.value)
      ? toSingleLine(String(summaryField.value))
      : undefined
  const image = readImage(field(FIELD_ALIASES.image), url)
  const isDraft = isTruthy(data.draft) || isFalsy(data.published)
  const lang = typeof data.lang === 'string' ? data.lang.trim() : undefined
  const content = data.content === 'summary' || data.content === 'full' ? data.content : undefined
  const overlongWord = findOverlongWord(parsed.body, MAX_WORD_LENGTH)
  if (overlongWord !== undefined) {
    problems.push(
      new KabarError(
        'WORD_TOO_LONG',
        `a run of ${overlongWord.length} characters without a space or line break is more than any reader can show, and Markdown takes minutes to parse it — break it up (an inline data: image would be removed anyway: link the image file instead)`,
        { file, line: parsed.bodyLine + lineAt(parsed.body, overlongWord.start) - 1 },
      ),
    )
  }

  if (
    problems.some((problem) => problem.severity === 'error') ||
    date === undefined ||
    id === undefined ||
    url === undefined
  ) {
    return { post: undefined, problems }
  }
  return {
    post: {
      file,
      slug,
      title,
      date,
      updated,
      id,
      url,
      authors,
      tags,
      summary,
      image,
      isDraft,
      excludedBecause: presetPost === undefined ? undefined : presetExclusion(config, presetPost, now),
      lang,
      content,
      body: parsed.body,
      bodyLine: parsed.bodyLine,
    },
    problems,
  }

  function readDate(name: string, value: unknown, line: number | undefined, from?: string): Date | undefined {
    if (typeof value !== 'string') {
      fail(
        name,
        line,
        'DATE_INVALID',
        `${name} ${JSON.stringify(value)} is not a date — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"`,
      )
      return undefined
    }
    const result = parseDate(value, config.site.timezone)
    if (!result.ok) {
      const where = from ? ` in the ${from}` : ''
      // Dates typed oddly (`2023-01-29 18:30:22 2023 -0800`, `Jul 08 2022`) are read exactly or explained.
      const odd = result.reason === 'is not a date' ? readOddDate(value, config.site.timezone) : undefined
      if (odd?.ok) return odd.date
      fail(
        name,
        line,
        'DATE_INVALID',
        odd === undefined
          ? `${name} "${value}"${where} ${result.reason} — write it as YYYY-MM-DD or "YYYY-MM-DD HH:MM"`
          : `${name} "${value}"${where} ${odd.reason}`,
      )
      return undefined
    }
    return result.value.date
  }

  function readAuthors(authorField: ReturnType<typeof field>): Author[] {
    if (authorField === undefined) return []
    const values = Array.isArray(authorField.value) ? authorField.value : [authorField.value]
    const authors: Author[] = []
    for (const value of values) {
      if (typeof value === 'string' && value.trim() !== '') {
        authors.push(config.site.authors.get(value.trim()) ?? { name: toSingleLine(value) })
      } else if (value && typeof value === 'object' && typeof (value as Author).name === 'string') {
        const { name, email, url: authorUrl } = value as Author
        authors.push({
          name: toSingleLine(name),
          email: typeof email === 'string' ? email.trim() : undefined,
          url: typeof authorUrl === 'string' ? canonicalUrl(authorUrl, config.site.url) : undefined,
        })
      } else {
        fail(
          authorField.name,
          authorField.line,
          'FIELD_INVALID',
          `${authorField.name} must be a name, a key of site.authors, or {name, email, url}`,
        )
      }
    }
    return authors
  }

  function readImage(imageField: ReturnType<typeof field>, itemUrl: string | undefined): PostImage | undefined {
    if (imageField === undefined || itemUrl === undefined) return undefined
    if (typeof imageField.value !== 'string') {
      fail(
        imageField.name,
        imageField.line,
        'FIELD_INVALID',
        `${imageField.name} must be a URL or a path such as /images/photo.jpg`,
      )
      return undefined
    }
    const written = imageField.value.trim()
    // One parse for the URL and its path: four had been a twentieth of normalizing a post with an image.
    const parsed = canonicalUrlAndPath(written, itemUrl)
    if (parsed === undefined || !isWebUrl(parsed.href)) {
      problems.push(
        kabarWarning('URL_INVALID', `${imageField.name} "${written}" is not a usable URL, so the post has no image`, {
          file,
          line: imageField.line,
          field: imageField.name,
        }),
      )
      return undefined
    }
    return {
      url: parsed.href,
      type: imageTypeFor(parsed.pathname),
      localPath: localImagePath(written, parsed.href, parsed.pathname),
    }
  }

  /** Where the image file sits on disk: beside the post, or in `publicDir` under the URL's path. */
  function localImagePath(written: string, imageUrl: string, pathname: string): string | undefined {
    const besidePost = presetImagePath(config, file, written)
    if (besidePost !== undefined) return besidePost
    if (isWebUrl(written) || written.startsWith('//')) {
      if (!imageUrl.startsWith(config.site.url)) return undefined
    }
    const sitePath = sitePathOf(config.site.url)
    const urlPath = decodePath(pathname)
    if (urlPath === undefined || !urlPath.startsWith(sitePath) || config.publicDir === undefined) return undefined
    const candidate = path.resolve(config.publicDir, `.${urlPath.slice(sitePath.length - 1)}`)
    // Never look outside publicDir, whatever `../` the writer typed.
    return candidate.startsWith(config.publicDir + path.sep) ? candidate : undefined
  }
}

let lastSitePath: { siteUrl: string; pathname: string } | undefined

/** The path of the site's URL (one per build: parsed once, not for every post's image). */
function sitePathOf(siteUrl: string): string {
  if (lastSitePath?.siteUrl !== siteUrl) lastSitePath = { siteUrl, pathname: new URL(siteUrl).pathname }
  return lastSitePath.pathname
}

/** What the W3C validator flags in an RSS title or category: an end tag such as `</div>`. */
const HTML_END_TAG = /<\/[a-z][a-z0-9]*\s*>/i

/**
 * Longest run of characters without white space a body may hold. Prose and
 * URLs stay far below; a megabyte-long "word" (a pasted data: image, a
 * minified blob) makes the Markdown parser take minutes and a gigabyte.
 */
export const MAX_WORD_LENGTH = 65_536

/** The first run of more than `maxLength` characters without white space, found in one pass. */
function findOverlongWord(text: string, maxLength: number): { start: number; length: number } | undefined {
  if (text.length <= maxLength) return undefined
  let start = 0
  for (let index = 0; index <= text.length; index++) {
    const code = index === text.length ? 0x20 : text.charCodeAt(index)
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a) continue
    if (index - start > maxLength) return { start, length: index - start }
    start = index + 1
  }
  return undefined
}

/** How deep kabar reads frontmatter: `authors` → one author → its `name`. */
const FRONTMATTER_READ_DEPTH = 3

/**
 * YAML and JSON escapes (`"\x01"`, `"\uD800"`) bring back the characters
 * removed from the file's text, and a lone surrogate would make
 * `encodeURIComponent` throw on a slug: remove them from every value kabar
 * reads, calling `onRemoved` once per top-level key. A text without a
 * backslash has no escape (YAML, JSON and TOML all write them so), and its
 * values are not searched (a twentieth of normalizing a post). Deeper values are never
 * read and stay as they are, so a deeply nested value costs no recursion.
 * The strings it returns are copies, not parts of the file's text.
 */
function removeEscapedForbiddenCharacters(
  data: Record<string, unknown>,
  mayHoldEscapes: boolean,
  onRemoved: (key: string) => void,
): Record<string, unknown> {
  let hasRemoved = false
  const clean = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') {
      // Copied out of the file's text, which a post must not keep alive (see detachedString).
      if (!mayHoldEscapes || !hasForbiddenCharacters(value)) return detachedString(value)
      hasRemoved = true
      return detachedString(removeForbiddenCharacters(value))
    }
    if (depth >= FRONTMATTER_READ_DEPTH || value === null || typeof value !== 'object') return value
    if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clean(item, depth + 1)]))
  }
  const cleaned: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(data)) {
    hasRemoved = false
    cleaned[key] = clean(value, 1)
    if (hasRemoved) onRemoved(key)
  }
  return cleaned
}

/** `decodeURIComponent` that returns `undefined` for a malformed escape such as `%FF`. */
function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname)
  } catch {
    return undefined
  }
}

function readTags(data: Record<string, unknown>): string[] {
  const tags = new Map<string, string>()
  for (const name of ['tags', 'categories', 'category']) {
    const value = data[name]
    const values = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
    for (const item of values) {
      if (typeof item !== 'string' && typeof item !== 'number') continue
      const tag = toSingleLine(String(item))
      // Readers group by tag text; "AI" and "ai" are one topic, and so are
      // "café" typed with a combining accent and with a precomposed é.
      const key = tag.normalize('NFC').toLowerCase()
      if (tag !== '' && !tags.has(key)) tags.set(key, tag)
    }
  }
  return [...tags.values()]
}

/** `published: false`, and Jekyll's YAML 1.1 spellings `no` and `off`. */
function isFalsy(value: unknown): boolean {
  return value === false || (typeof value === 'string' && ['false', 'no', 'off'].includes(value.trim().toLowerCase()))
}

/** `draft: true`, and the YAML 1.1 spellings `yes` and `on` that Jekyll and Hugo read as true. */
function isTruthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['true', 'yes', 'on'].includes(value.trim().toLowerCase()))
}

/** The file name without extension and date prefix; for `index.md`, its folder's name. */
export function defaultSlug(relativePath: string, nameWithoutDate: string | undefined): string {
  const parts = relativePath.split('/')
  const fileName = parts.at(-1) ?? relativePath
  const stem = fileName.replace(/\.(md|markdown)$/i, '')
  if (stem.toLowerCase() === 'index' && parts.length > 1) {
    const folder = parts.at(-2) ?? stem
    return DATE_PREFIX.exec(folder)?.[2] ?? folder
  }
  return nameWithoutDate ?? stem
}

/** Fills `:year`, `:month`, `:day` (in the site's timezone) and `:slug` into a permalink pattern. */
export function expandPermalink(pattern: string, slug: string, date: Date, timeZone: string): string {
  const { year, month, day } = calendarFieldsIn(date, timeZone)
  const encodedSlug = slug.split('/').map(encodeURIComponent).join('/')
  return pattern
    .replaceAll(':year', year)
    .replaceAll(':month', month)
    .replaceAll(':day', day)
    .replaceAll(':slug', encodedSlug)
    .replaceAll(':title', encodedSlug)
}

/**
 * Resolves a path written for the site (`/2025/post/`) under `site.url`, so
 * a site served from `https://x.org/blog/` gets `https://x.org/blog/2025/post/`.
 * Absolute URLs are kept as they are (made canonical).
 */
export function resolveSitePath(sitePath: string, siteUrl: string): string | undefined {
  const trimmed = sitePath.trim()
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return canonicalUrl(trimmed)
  const relative = trimmed.replace(/^\/+/, '')
  // Nearly every post's path (a permalink of its slug and date) is plain: joined to the site's URL it is
  // already what the URL parser makes of it, and parsing it was a tenth of normalizing a post.
  if (PLAIN_PATH.test(relative) && !DOT_SEGMENT.test(relative) && isPlainBase(siteUrl)) return siteUrl + relative
  return canonicalUrl(relative, siteUrl)
}

/** Letters, digits, `-._~` and `/`: characters the URL parser leaves in a path as they are. */
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/
/** A `.` or `..` segment, which the parser resolves. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/
let lastPlainBase: string | undefined

/** Whether a plain path joined to `siteUrl` is canonical: it is canonical, a folder, with no query or fragment. */
function isPlainBase(siteUrl: string): boolean {
  if (siteUrl === lastPlainBase) return true
  const isPlain =
    siteUrl.endsWith('/') && !siteUrl.includes('?') && !siteUrl.includes('#') && canonicalUrl(siteUrl) === siteUrl
  if (isPlain) lastPlainBase = siteUrl
  return isPlain
}
