import type { FormatName } from '../formats/index.js'

/**
 * RFC 5005 §4, archived feeds. Posts are cut into pages of `pageSize`,
 * oldest first, so a new post never moves an older one to another page: page
 * 1 holds the oldest posts and is never rewritten unless one of its posts
 * is edited. A page exists only once it is full. The subscription feed keeps
 * everything newer than the newest page, which is at least `limit` posts
 * and fewer than `limit + pageSize`.
 */
export interface ArchiveSplit<T> {
  /** The subscription feed's posts, newest first. */
  current: T[]
  /** Page 1 (the oldest posts) first; each page newest first, like every feed. */
  pages: T[][]
}

/** Splits posts sorted newest first. `limit` 0 (every post) leaves nothing to archive. */
export function splitArchive<T>(newestFirst: readonly T[], limit: number, pageSize: number): ArchiveSplit<T> {
  const archivable = limit === 0 ? 0 : Math.max(0, newestFirst.length - limit)
  const pageCount = Math.floor(archivable / pageSize)
  const oldestFirst = [...newestFirst].reverse()
  const pages: T[][] = []
  for (let page = 0; page < pageCount; page++) {
    pages.push(oldestFirst.slice(page * pageSize, (page + 1) * pageSize).reverse())
  }
  return { current: newestFirst.slice(0, newestFirst.length - pageCount * pageSize), pages }
}

/** Folder inside the output folder that holds the pages. */
const ARCHIVE_FOLDER = 'archive'

const PAGE_EXTENSIONS: Readonly<Record<FormatName, string>> = { rss: 'rss.xml', atom: 'atom.xml', json: 'json' }

/** `archive/3.atom.xml`: each format has its own names, whatever the subscription feed is called. */
export function archivePagePath(page: number, format: FormatName): string {
  return `${ARCHIVE_FOLDER}/${page}.${PAGE_EXTENSIONS[format]}`
}
