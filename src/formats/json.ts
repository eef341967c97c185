import type { Author } from '../core/config.js'
import { formatRfc3339 } from '../core/dates.js'
import type { FeedItem, FeedModel } from '../core/feed-model.js'
import { removeForbiddenCharacters } from '../core/text.js'

/**
 * JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): `authors` (plural)
 * and `language`, which 1.0 lacked. Keys are written in a fixed order, so
 * the same feed always gives the same bytes.
 */
export function serializeJson(feed: FeedModel): string {
  return [...jsonChunks(feed)].join('')
}

/**
 * The JSON document in pieces, one per item: what a writer streams when the
 * whole would be too big to hold. The same text `JSON.stringify(document,
 * …, 2)` gives: the document is stringified with no items, and each item on
 * its own, indented as deep as the `items` array holds it (JSON strings hold
 * no raw line breaks, so every line break in an item's text is its layout).
 */
export function* jsonChunks(feed: FeedModel): Generator<string, void, undefined> {
  const document = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.homeUrl,
    feed_url: feed.feedUrls.json,
    description: feed.description,
    // JSON Feed has no archive relations: `next_url` leads to older items,
    // the subscription feed's to the newest archive page, each page's to the one before.
    next_url: feed.archive?.previous?.json,
    icon: feed.image,
    favicon: feed.favicon,
    language: feed.language,
    authors: [jsonAuthor(feed.author)],
    hubs: feed.hub === undefined ? undefined : [{ type: 'WebSub', url: feed.hub }],
    items: [] as unknown[],
  }
  const empty = stringify(document)
  if (feed.items.length === 0) {
    yield `${empty}\n`
    return
  }
  // `items` is the last key: the text ends `  "items": []`, a line break and the closing brace.
  const itemsAt = empty.lastIndexOf('[]')
  yield `${empty.slice(0, itemsAt)}[\n`
  const last = feed.items.length - 1
  for (const [index, item] of feed.items.entries()) {
    const text = stringify(jsonItem(item)).replaceAll('\n', `\n${ITEM_INDENT}`)
    yield `${ITEM_INDENT}${text}${index < last ? ',' : ''}\n`
  }
  yield '  ]\n}\n'
}

/** How deep `JSON.stringify(document, …, 2)` indents an item: the document's keys, then the array's. */
const ITEM_INDENT = '    '

// Control characters would be legal JSON escapes, but readers would show
// garbage: the same characters as in XML are dropped.
function stringify(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, inner) => (typeof inner === 'string' ? removeForbiddenCharacters(inner) : inner),
    2,
  )
}

function jsonItem(item: FeedItem) {
  return {
    id: item.id,
    url: item.url,
    title: item.title,
    summary: item.summary === '' ? undefined : item.summary,
    content_html: item.contentHtml,
    content_text: item.contentHtml === undefined ? item.summary : undefined,
    image: item.image?.url,
    date_published: formatRfc3339(item.published),
    date_modified: formatRfc3339(item.updated),
    authors: item.authors.map(jsonAuthor),
    tags: item.tags.length > 0 ? item.tags : undefined,
    language: item.language,
  }
}

function jsonAuthor(author: Author) {
  return { name: author.name, url: author.url }
}
