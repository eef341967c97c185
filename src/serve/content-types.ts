import path from 'node:path'

/** Which file holds which feed, as `config.output` names them (relative to the out folder, `/`-separated). */
export interface FeedFileNames {
  rss?: string | undefined
  atom?: string | undefined
  json?: string | undefined
}

export const DEFAULT_FEED_FILE_NAMES: FeedFileNames = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' }

// Feed files get their registered types (RFC 4287 §7 for Atom, JSON Feed 1.1
// for application/feed+json): readers and browsers pick their viewer from it.
const FEED_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const

// The rest of what a feed site's out folder holds: the HTML and XSLT views of
// the feeds, an OPML list, styles and images.
const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.xsl': 'text/xsl; charset=utf-8',
  '.xslt': 'text/xsl; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.rss': FEED_TYPES.rss,
  '.atom': FEED_TYPES.atom,
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/vnd.microsoft.icon',
}

const UNKNOWN_TYPE = 'application/octet-stream'

/**
 * The `Content-Type` for a file in the out folder: the feed type for the files
 * the config names as feeds (whatever their extension), else by extension.
 */
export function contentTypeFor(relativePath: string, feedFiles: FeedFileNames): string {
  for (const format of ['rss', 'atom', 'json'] as const) {
    if (feedFiles[format] !== undefined && normalizeName(feedFiles[format]) === relativePath) return FEED_TYPES[format]
  }
  return EXTENSION_TYPES[path.extname(relativePath).toLowerCase()] ?? UNKNOWN_TYPE
}

/** Text is worth compressing; images are compressed already. */
export function isCompressible(contentType: string): boolean {
  return /^text\/|\+xml|\+json|^application\/(xml|json|javascript)/.test(contentType)
}

function normalizeName(name: string): string {
  return name
    .split(/[\\/]+/)
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/')
}
