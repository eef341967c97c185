import type { Author } from '../core/config.js'
import { formatRfc822 } from '../core/dates.js'
import type { FeedItem, FeedModel } from '../core/feed-model.js'
import { FEED_HISTORY_NAMESPACE, feedHistoryLinks } from './feed-history.js'
import { escapeMarkup, escapePlainText, plainTextToHtml, XmlWriter } from './xml.js'

/**
 * RSS 2.0 (https://www.rssboard.org/rss-specification) with the extensions
 * readers expect: `atom:link rel="self"`, `content:encoded` for the full
 * HTML and `dc:creator` for author names (RSS `<author>` must be an e-mail
 * address, so names alone go to Dublin Core).
 */
export function serializeRss(feed: FeedModel): string {
  return [...rssChunks(feed)].join('')
}

/** The RSS document in pieces, one per item: what a writer streams when the whole would be too big to hold. */
export function* rssChunks(feed: FeedModel): Generator<string, void, undefined> {
  const xml = new XmlWriter()
  xml.open('rss', {
    version: '2.0',
    'xmlns:atom': 'http://www.w3.org/2005/Atom',
    'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
    'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
    'xmlns:fh': feed.archive?.isPage ? FEED_HISTORY_NAMESPACE : undefined,
  })
  xml.open('channel')
  xml.element('title', escapePlainText(feed.title))
  xml.element('link', escapePlainText(feed.homeUrl))
  xml.element('description', escapePlainText(feed.description))
  xml.element('language', feed.language === undefined ? undefined : escapePlainText(feed.language))
  xml.element('copyright', feed.copyright === undefined ? undefined : escapePlainText(feed.copyright))
  xml.element('lastBuildDate', formatRfc822(feed.updated))
  xml.element('generator', 'kabar')
  xml.element('docs', 'https://www.rssboard.org/rss-specification')
  if (feed.image !== undefined) {
    xml.open('image')
    xml.element('url', escapePlainText(feed.image))
    xml.element('title', escapePlainText(feed.title))
    xml.element('link', escapePlainText(feed.homeUrl))
    xml.close('image')
  }
  if (feed.feedUrls.rss !== undefined) {
    xml.empty('atom:link', { href: feed.feedUrls.rss, rel: 'self', type: 'application/rss+xml' })
  }
  // WebSub §4 and RFC 5005 Appendix B: both borrow Atom's link element.
  if (feed.hub !== undefined) xml.empty('atom:link', { href: feed.hub, rel: 'hub' })
  for (const link of feedHistoryLinks(feed, 'rss')) {
    xml.empty('atom:link', { href: link.href, rel: link.rel, type: 'application/rss+xml' })
  }
  if (feed.archive?.isPage) xml.empty('fh:archive', {})
  for (const item of feed.items) {
    writeItem(xml, item)
    yield xml.take()
  }
  xml.close('channel')
  xml.close('rss')
  yield xml.take()
}

function writeItem(xml: XmlWriter, item: FeedItem): void {
  xml.open('item')
  xml.element('title', escapePlainText(item.title))
  xml.element('link', escapePlainText(item.url))
  // A guid is a permalink only when it is the item link; a pinned tag: or
  // urn: id is not something a reader should open.
  xml.element('guid', escapePlainText(item.id), { isPermaLink: item.id === item.url ? 'true' : 'false' })
  xml.element('pubDate', formatRfc822(item.published))
  // The validator wants a description before `content:encoded`: a body with
  // no text at all (a single image) repeats the title there.
  const summary = item.summary === '' && item.contentHtml !== undefined ? item.title : item.summary
  if (summary !== '') xml.element('description', escapeMarkup(plainTextToHtml(summary)))
  if (item.contentHtml !== undefined) xml.element('content:encoded', escapeMarkup(item.contentHtml))
  // The validator warns when an item has both `<author>` and `dc:creator`:
  // the mailbox form already carries the name.
  const mailbox = rssAuthor(item.authors)
  if (mailbox !== undefined) xml.element('author', escapePlainText(mailbox))
  else for (const author of item.authors) xml.element('dc:creator', escapePlainText(author.name))
  for (const tag of item.tags) xml.element('category', escapePlainText(tag))
  // The RSS Board: a length of 0 only when the size cannot be known; no
  // enclosure at all when the type cannot be known (JSON still gets `image`).
  if (item.image?.type !== undefined) {
    xml.empty('enclosure', { url: item.image.url, length: String(item.image.length ?? 0), type: item.image.type })
  }
  xml.close('item')
}

/** `<author>` only for a single author who has both an e-mail and a name. */
function rssAuthor(authors: readonly Author[]): string | undefined {
  const [author] = authors
  if (authors.length !== 1 || author?.email === undefined) return undefined
  return `${author.email} (${author.name})`
}
