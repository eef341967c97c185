import path from 'node:path'
import { SaxesParser } from 'saxes'
import type { ResolvedConfig } from '../core/config.js'
import type { PublishedId } from '../core/id-check.js'
import { type KabarError, kabarWarning } from '../errors.js'
import { errorCode, type FileSystem, nodeFileSystem } from './file-system.js'

/**
 * `--compare <dir|url>`: the ids of the feeds currently deployed, read from
 * a folder (a checkout of the deployed site, the last `dist/`) or over
 * HTTP. A folder or a URL ending in `/` is searched for the config's feed
 * names (JSON Feed first); a file or any other URL is read as it is, so the
 * feed of another generator (`https://example.com/feed.xml`) works too.
 * From that document the archive chain is followed (JSON `next_url`,
 * RFC 5005 `prev-archive`), so older posts are compared as well.
 */
export async function readDeployedIds(
  source: string,
  config: ResolvedConfig,
  options: { cwd: string; fileSystem?: FileSystem; fetch?: typeof fetch; timeoutMs?: number },
): Promise<{ entries: PublishedId[]; problems: KabarError[] }> {
  const reader = isUrl(source)
    ? httpReader(options.fetch ?? fetch, options.timeoutMs ?? 15_000)
    : fileReader(options.fileSystem ?? nodeFileSystem)
  const location = isUrl(source) ? source : path.resolve(options.cwd, source)
  const problems: KabarError[] = []
  const entries: PublishedId[] = []
  try {
    const first = await findFirstDocument(location, config, reader)
    // Nothing deployed yet (a first publish): nothing can have changed.
    if (first === undefined) return { entries, problems }
    const seen = new Set<string>()
    let next: { location: string; text: string } | undefined = first
    while (next !== undefined && !seen.has(next.location)) {
      seen.add(next.location)
      const document = parseFeedDocument(next.text)
      entries.push(...document.entries)
      const older = document.olderUrl === undefined ? undefined : toLocation(document.olderUrl, location, config)
      const text = older === undefined ? undefined : await reader(older)
      next = older === undefined || text === undefined ? undefined : { location: older, text }
    }
  } catch (error) {
    problems.push(
      kabarWarning(
        'COMPARE_FAILED',
        `cannot read the deployed feeds at ${source} (${(error as Error).message}), so changed ids cannot be detected — check the address`,
        { field: 'compare' },
      ),
    )
  }
  // What was read before a failure still tells which ids changed.
  return { entries, problems }
}

/** Reads a location; `undefined` when it does not exist (404, ENOENT). */
type Reader = (location: string) => Promise<string | undefined>

function fileReader(fileSystem: FileSystem): Reader {
  return async (location) => {
    try {
      return (await fileSystem.readFile(location)).toString('utf8')
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EISDIR') return undefined
      throw error
    }
  }
}

function httpReader(fetchFunction: typeof fetch, timeoutMs: number): Reader {
  return async (location) => {
    const response = await fetchFunction(location, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' })
    if (response.status === 404 || response.status === 410) return undefined
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${location}`)
    return response.text()
  }
}

async function findFirstDocument(
  location: string,
  config: ResolvedConfig,
  reader: Reader,
): Promise<{ location: string; text: string } | undefined> {
  const isFolder = isUrl(location) ? location.endsWith('/') : await isDirectory(location)
  if (!isFolder) {
    const text = await reader(location)
    return text === undefined ? undefined : { location, text }
  }
  for (const name of [config.output.json, config.output.atom, config.output.rss]) {
    if (name === undefined) continue
    const candidate = isUrl(location) ? new URL(name, location).href : path.join(location, name)
    const text = await reader(candidate)
    if (text !== undefined) return { location: candidate, text }
  }
  return undefined
}

async function isDirectory(location: string): Promise<boolean> {
  return nodeFileSystem.stat(location).then(
    (stats) => stats.isDirectory(),
    () => false,
  )
}

/**
 * Where to read an older page named by an absolute URL. A page under
 * `feedUrl` is read at the same path under the source (a folder, or a
 * staging server), since the source is where the files at `feedUrl` are
 * deployed; any other URL as it is.
 */
function toLocation(url: string, source: string, config: ResolvedConfig): string | undefined {
  const isSourceUrl = isUrl(source)
  if (!url.startsWith(config.feedUrl)) return isSourceUrl ? url : undefined
  const relative = url.slice(config.feedUrl.length)
  const isFile = /\.(json|xml)$/.test(isSourceUrl ? new URL(source).pathname : source)
  if (isSourceUrl) return new URL(relative, isFile ? source : asFolderUrl(source)).href
  return path.join(isFile ? path.dirname(source) : source, ...decodeURI(relative).split('/'))
}

function asFolderUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

interface FeedDocument {
  entries: PublishedId[]
  /** JSON `next_url` or RFC 5005 `prev-archive`: the next older document. */
  olderUrl: string | undefined
}

/** JSON Feed, Atom or RSS, told apart by the first character. */
export function parseFeedDocument(text: string): FeedDocument {
  return text.trimStart().startsWith('{') ? parseJsonFeed(text) : parseXmlFeed(text)
}

function parseJsonFeed(text: string): FeedDocument {
  const feed = JSON.parse(text) as { items?: unknown; next_url?: unknown }
  const items = Array.isArray(feed.items) ? (feed.items as Record<string, unknown>[]) : []
  const string = (value: unknown) => (typeof value === 'string' ? value : undefined)
  return {
    entries: items.flatMap((item) => {
      const id = string(item.id)
      if (id === undefined) return []
      const date = string(item.date_published)
      return [
        { id, url: string(item.url), title: string(item.title), date: date === undefined ? undefined : new Date(date) },
      ]
    }),
    olderUrl: string(feed.next_url),
  }
}

/** Atom entries and RSS items: id (or guid), link, title and date. */
function parseXmlFeed(text: string): FeedDocument {
  const parser = new SaxesParser({ xmlns: true })
  const entries: PublishedId[] = []
  let olderUrl: string | undefined
  let entry: { id?: string; url?: string | undefined; title?: string; date?: string; isHtmlTitle?: boolean } | undefined
  let field: 'id' | 'url' | 'title' | 'date' | undefined
  let depth = 0
  let entryDepth = -1
  let textBuffer = ''
  parser.on('opentag', (tag) => {
    depth++
    const name = tag.local
    const attribute = (attributeName: string) => tag.attributes[attributeName]?.value
    if (entry === undefined && (name === 'entry' || name === 'item')) {
      entry = {}
      entryDepth = depth
      return
    }
    if (entry === undefined) {
      if (name === 'link' && attribute('rel') === 'prev-archive') olderUrl = attribute('href')
      return
    }
    if (depth !== entryDepth + 1) return
    textBuffer = ''
    if (name === 'id' || name === 'guid') field = 'id'
    else if (name === 'title') {
      field = 'title'
      entry.isHtmlTitle = attribute('type') === 'html'
    } else if (name === 'published' || name === 'pubDate') field = 'date'
    else if (name === 'link') {
      const rel = attribute('rel') ?? 'alternate'
      if (attribute('href') !== undefined && rel === 'alternate') entry.url ??= attribute('href')
      else if (attribute('href') === undefined) field = 'url'
    }
  })
  parser.on('text', (value) => {
    if (field !== undefined) textBuffer += value
  })
  parser.on('closetag', () => {
    if (entry !== undefined && depth === entryDepth) {
      if (entry.id !== undefined) {
        const title = entry.isHtmlTitle ? decodeHtmlText(entry.title ?? '') : entry.title
        entries.push({
          id: entry.id,
          url: entry.url,
          title,
          date: entry.date === undefined ? undefined : new Date(entry.date),
        })
      }
      entry = undefined
    } else if (entry !== undefined && field !== undefined && depth === entryDepth + 1) {
      const value = textBuffer.trim()
      if (field === 'id') entry.id = value
      else if (field === 'title') entry.title = value
      else if (field === 'date') entry.date = value
      else entry.url ??= value
      field = undefined
    }
    depth--
  })
  parser.write(text).close()
  return { entries, olderUrl }
}

/** An Atom `type="html"` title holds escaped HTML: the plain text back, for comparing titles. */
function decodeHtmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|quot|#39|amp);/g, (_match, name: string) => HTML_ENTITIES[name] ?? '')
}

const HTML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' }

function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value)
}
