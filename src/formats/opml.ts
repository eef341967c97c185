import { type AnnouncedFeed, FORMAT_LABELS } from './alternate-links.js'
import { FORMAT_NAMES } from './index.js'
import { escapePlainText, XmlWriter } from './xml.js'

/** What `feeds.opml` lists. */
export interface FeedList {
  title: string
  homeUrl: string
  /** Every subscription feed: the main one, then per tag, then per author. */
  feeds: readonly AnnouncedFeed[]
}

/**
 * OPML 2.0 (http://opml.org/spec2.opml) subscription list: one folder
 * outline per feed, holding an `type="rss"` outline per format (OPML uses
 * that type for every feed format). Readers import it in one step. No
 * `dateCreated`: the same feeds give the same bytes.
 */
export function serializeOpml(list: FeedList): string {
  const xml = new XmlWriter()
  xml.open('opml', { version: '2.0' })
  xml.open('head')
  xml.element('title', escapePlainText(list.title))
  xml.close('head')
  xml.open('body')
  for (const feed of list.feeds) {
    xml.open('outline', { text: feed.title, title: feed.title })
    for (const format of FORMAT_NAMES) {
      const url = feed.urls[format]
      if (url === undefined) continue
      const title = `${feed.title} (${FORMAT_LABELS[format]})`
      xml.empty('outline', { type: 'rss', text: title, title, xmlUrl: url, htmlUrl: list.homeUrl })
    }
    xml.close('outline')
  }
  xml.close('body')
  xml.close('opml')
  return xml.toString()
}
