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
    items: feed.items.map(jsonItem),
  }
  // Control characters would be legal JSON escapes, but readers would show
  // garbage: the same characters as in XML are dropped.
  return `${JSON.stringify(document, (_key, value) => (typeof value === 'string' ? removeForbiddenCharacters(value) : value), 2)}\n`
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
