import type { Author, ResolvedConfig } from './config.js'
import type { RenderedPost } from './post.js'
import { canonicalUrl } from './urls.js'

/**
 * What every format serializes: one neutral description of the feed, with
 * every decision (ids, links, dates, fallbacks) already taken, so the three
 * format modules only spell it out.
 */
export interface FeedModel {
  title: string
  description: string
  /** Home page of the site. */
  homeUrl: string
  /** Absolute URL of each feed file, for self links; `undefined` when that format is off. */
  feedUrls: FormatUrls
  language: string | undefined
  copyright: string | undefined
  image: string | undefined
  favicon: string | undefined
  /** Feed-level author: the site author, else one named after the site. */
  author: Author
  /** Newest `updated` (else `date`) among the items: never the clock. */
  updated: Date
  /** `full`: summary plus full HTML; `summary`: the summary only. */
  content: 'full' | 'summary'
  /** WebSub hub announced by the feed (https://www.w3.org/TR/websub/#discovery); `undefined` when none. */
  hub?: string | undefined
  /** RFC 5005 links; `undefined` when the feed is not archived. */
  archive?: ArchiveLinks | undefined
  items: FeedItem[]
}

/** One URL per format, `undefined` where that format is off. */
export interface FormatUrls {
  rss: string | undefined
  atom: string | undefined
  json: string | undefined
}

/**
 * RFC 5005 §4 (archived feeds): each document links the documents of its
 * own format. JSON Feed has no such relations; it chains `next_url` toward
 * older items, which is `previous`.
 */
export interface ArchiveLinks {
  /** An archive page (`fh:archive`), or the subscription feed. */
  isPage: boolean
  /** `prev-archive`: the next older page. */
  previous: FormatUrls | undefined
  /** `next-archive`: the next newer page. */
  next: FormatUrls | undefined
  /** `current`: the subscription feed. */
  current: FormatUrls | undefined
}

export interface FeedItem {
  id: string
  url: string
  title: string
  summary: string
  /** Full HTML, or `undefined` when only the summary is published or the body is empty. */
  contentHtml: string | undefined
  published: Date
  updated: Date
  /** Never empty: falls back to the feed author. */
  authors: Author[]
  tags: string[]
  image: FeedImage | undefined
  language: string | undefined
}

export interface FeedImage {
  url: string
  type: string | undefined
  /** Size in bytes, when the file is local; `undefined` when unknown. */
  length: number | undefined
}

/** Sizes of local image files, by absolute path, looked up by the I/O edge. */
export type ImageSizes = ReadonlyMap<string, number>

/** Posts newest first; equal dates ordered by id so output never depends on file order. */
export function comparePostsNewestFirst(a: { date: Date; id: string }, b: { date: Date; id: string }): number {
  return b.date.getTime() - a.date.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function buildFeedModel(
  config: ResolvedConfig,
  posts: readonly RenderedPost[],
  imageSizes: ImageSizes = new Map(),
): FeedModel {
  const feedAuthor = config.site.author ?? { name: config.site.title }
  const feedFile = (name: string | undefined) => (name === undefined ? undefined : canonicalUrl(name, config.feedUrl))
  const items = posts.map((post): FeedItem => {
    const isSummaryOnly = (post.content ?? config.content) === 'summary'
    return {
      id: post.id,
      url: post.url,
      title: post.title,
      summary: post.summaryText,
      // An empty `content` element is a validator warning in Atom, and RSS
      // wants a description before `content:encoded`: a post with no body
      // (a title-only link post) publishes no content at all.
      contentHtml: isSummaryOnly || post.html === '' ? undefined : post.html,
      published: toWholeSeconds(post.date),
      updated: toWholeSeconds(post.updated ?? post.date),
      authors: post.authors.length > 0 ? post.authors : [feedAuthor],
      tags: post.tags,
      image:
        post.image === undefined
          ? undefined
          : {
              url: post.image.url,
              type: post.image.type,
              length: post.image.localPath === undefined ? undefined : imageSizes.get(post.image.localPath),
            },
      language: post.lang,
    }
  })
  separateEqualUpdateTimes(items)
  let updated = new Date(0)
  for (const item of items) if (item.updated > updated) updated = item.updated
  return {
    title: config.site.title,
    description: config.site.description,
    homeUrl: config.site.url,
    feedUrls: {
      rss: feedFile(config.output.rss),
      atom: feedFile(config.output.atom),
      json: feedFile(config.output.json),
    },
    language: config.site.language,
    copyright: config.site.copyright,
    image: config.site.image,
    favicon: config.site.favicon,
    author: feedAuthor,
    updated,
    content: config.content,
    hub: config.site.hub,
    archive: undefined,
    items,
  }
}

/**
 * The W3C validator warns when two Atom entries share an `updated` value,
 * which happens whenever two posts carry the same date. A tie is broken by
 * whole seconds: walking from the oldest listed item up, each item that
 * collides moves one second later, so readers that sort by date keep
 * kabar's order. Deterministic, and invisible to people.
 */
function separateEqualUpdateTimes(items: FeedItem[]): void {
  const used = new Set<number>()
  for (let index = items.length - 1; index >= 0; index--) {
    const item = items[index] as FeedItem
    let time = item.updated.getTime()
    while (used.has(time)) time += 1000
    used.add(time)
    if (time !== item.updated.getTime()) item.updated = new Date(time)
  }
}

/**
 * RSS dates (RFC 822) carry no fractions of a second, so every format drops
 * them: a reader subscribed to two formats sees the same time.
 */
function toWholeSeconds(date: Date): Date {
  const time = date.getTime()
  return time % 1000 === 0 ? date : new Date(time - (((time % 1000) + 1000) % 1000))
}
