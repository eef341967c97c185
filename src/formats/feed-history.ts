import type { FeedModel } from '../core/feed-model.js'
import type { FormatName } from './index.js'

/** RFC 5005 §4: the namespace of `<fh:archive/>`. */
export const FEED_HISTORY_NAMESPACE = 'http://purl.org/syndication/history/1.0'

/** The RFC 5005 links of `feed` that point to documents of `format`, in a fixed order. */
export function feedHistoryLinks(feed: FeedModel, format: FormatName): { rel: string; href: string }[] {
  const archive = feed.archive
  if (archive === undefined) return []
  const links: { rel: string; href: string }[] = []
  const add = (rel: string, href: string | undefined) => {
    if (href !== undefined) links.push({ rel, href })
  }
  add('prev-archive', archive.previous?.[format])
  add('next-archive', archive.next?.[format])
  add('current', archive.current?.[format])
  return links
}
