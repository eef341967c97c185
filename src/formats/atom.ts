import type { Author } from '../core/config.js'
import { formatRfc3339 } from '../core/dates.js'
import type { FeedItem, FeedModel } from '../core/feed-model.js'
import { FEED_HISTORY_NAMESPACE, feedHistoryLinks } from './feed-history.js'
import { escapeMarkup, escapePlainText, plainTextToHtml, XmlWriter } from './xml.js'

/**
 * Atom 1.0 (RFC 4287). Titles and summaries are `type="html"` holding the
 * escaped text: in `type="text"` the validator flags text that merely looks
 * like a tag (`Why </div> breaks layouts`).
 */
export function serializeAtom(feed: FeedModel): string {
  return [...atomChunks(feed)].join('')
}

/** The Atom document in pieces, one per entry: what a writer streams when the whole would be too big to hold. */
export function* atomChunks(feed: FeedModel): Generator<string, void, undefined> {
  const xml = new XmlWriter()
  const selfUrl = feed.feedUrls.atom ?? feed.homeUrl
  xml.open('feed', {
    xmlns: 'http://www.w3.org/2005/Atom',
    'xmlns:fh': feed.archive?.isPage ? FEED_HISTORY_NAMESPACE : undefined,
    'xml:lang': feed.language,
  })
  // RFC 4287 §4.2.6: the feed id is permanent; the feed's own URL is.
  xml.element('id', escapePlainText(selfUrl))
  xml.element('title', htmlFromText(feed.title), { type: 'html' })
  xml.element('subtitle', htmlFromText(feed.description), { type: 'html' })
  xml.element('updated', formatRfc3339(feed.updated))
  xml.empty('link', { rel: 'alternate', type: 'text/html', href: feed.homeUrl })
  xml.empty('link', { rel: 'self', type: 'application/atom+xml', href: selfUrl })
  if (feed.hub !== undefined) xml.empty('link', { rel: 'hub', href: feed.hub })
  for (const link of feedHistoryLinks(feed, 'atom')) {
    xml.empty('link', { rel: link.rel, type: 'application/atom+xml', href: link.href })
  }
  if (feed.archive?.isPage) xml.empty('fh:archive', {})
  writeAuthor(xml, 'author', feed.author)
  if (feed.copyright !== undefined) xml.element('rights', escapePlainText(feed.copyright))
  xml.element('generator', 'kabar')
  if (feed.favicon !== undefined) xml.element('icon', escapePlainText(feed.favicon))
  if (feed.image !== undefined) xml.element('logo', escapePlainText(feed.image))
  for (const item of feed.items) {
    writeEntry(xml, item, feed.language)
    yield xml.take()
  }
  xml.close('feed')
  yield xml.take()
}

function writeEntry(xml: XmlWriter, item: FeedItem, feedLanguage: string | undefined): void {
  xml.open('entry', { 'xml:lang': item.language !== feedLanguage ? item.language : undefined })
  xml.element('id', escapePlainText(item.id))
  xml.element('title', htmlFromText(item.title), { type: 'html' })
  xml.empty('link', { rel: 'alternate', type: 'text/html', href: item.url })
  xml.element('published', formatRfc3339(item.published))
  xml.element('updated', formatRfc3339(item.updated))
  for (const author of item.authors) writeAuthor(xml, 'author', author)
  // RFC 4287 §4.2.2: `term` is required (the `feed` package writes only `label`).
  for (const tag of item.tags) xml.empty('category', { term: tag })
  // An entry with neither summary nor content draws the validator's "missing
  // textual content" warning: a post with no body repeats its title.
  const summary = item.summary === '' && item.contentHtml === undefined ? item.title : item.summary
  if (summary !== '') xml.element('summary', htmlFromText(summary), { type: 'html' })
  if (item.contentHtml !== undefined) xml.element('content', escapeMarkup(item.contentHtml), { type: 'html' })
  if (item.image?.type !== undefined) {
    xml.empty('link', {
      rel: 'enclosure',
      type: item.image.type,
      length: item.image.length === undefined ? undefined : String(item.image.length),
      href: item.image.url,
    })
  }
  xml.close('entry')
}

function writeAuthor(xml: XmlWriter, element: 'author', author: Author): void {
  xml.open(element)
  xml.element('name', escapePlainText(author.name))
  if (author.email !== undefined) xml.element('email', escapePlainText(author.email))
  if (author.url !== undefined) xml.element('uri', escapePlainText(author.url))
  xml.close(element)
}

function htmlFromText(text: string): string {
  return escapeMarkup(plainTextToHtml(text))
}
