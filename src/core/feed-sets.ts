import { type KabarError, kabarWarning } from '../errors.js'
import { FORMAT_NAMES, type FormatName } from '../formats/index.js'
import { splitArchive } from './archive.js'
import type { FeedSelection, ResolvedConfig } from './config.js'
import type { FormatUrls } from './feed-model.js'
import type { Post } from './post.js'
import { assignSlugs } from './slugs.js'
import { canonicalUrl } from './urls.js'

/**
 * Which subscription feeds a build writes and what each holds: the main
 * feed, one per tag and one per author (`feeds.tags`, `feeds.authors`),
 * plus the RFC 5005 archive pages of the main feed. Pure: the selected posts
 * in, a plan out; rendering and serializing come after.
 */

export interface FeedSet {
  kind: 'main' | 'tag' | 'author'
  /** The tag or author as shown (`AI`); the site title for the main feed. */
  name: string
  /** Folder inside the output folder, with `/`: `''` for the main feed, `tags/ai`, `authors/redaksi`. */
  folder: string
  /** `Nemes Corp — AI` */
  title: string
  /** Newest first. */
  posts: Post[]
  /** Absolute URL of each format's file; `undefined` where the format is off. */
  urls: FormatUrls
}

export interface FeedPlan {
  /** The subscription feed: with archiving, what is newer than the newest archive page. */
  main: FeedSet
  /** RFC 5005 archive pages, page 1 (the oldest posts) first; each newest first. */
  archivePages: Post[][]
  tags: FeedSet[]
  authors: FeedSet[]
  /** Warnings, such as a listed tag that no post carries. */
  problems: KabarError[]
}

/** Plans every feed from the publishable posts, sorted newest first. */
export function planFeeds(published: readonly Post[], config: ResolvedConfig): FeedPlan {
  const archive =
    config.archivePageSize === undefined
      ? { current: limited(published, config.limit), pages: [] }
      : splitArchive(published, config.limit, config.archivePageSize)
  const main: FeedSet = {
    kind: 'main',
    name: config.site.title,
    folder: '',
    title: config.site.title,
    posts: archive.current,
    urls: feedFileUrls(config, ''),
  }
  const problems: KabarError[] = []
  // Grouping walks every post: only when those feeds are on (watch mode pays it on every edit).
  const tags = config.feeds.tags.kind === 'none' ? [] : planTopicFeeds('tag', groupByTag(published), config, problems)
  const authors =
    config.feeds.authors.kind === 'none'
      ? []
      : planTopicFeeds('author', groupByAuthor(published, config), config, problems)
  return { main, archivePages: archive.pages, tags, authors, problems }
}

/** Path of a feed file inside the output folder, with `/`. */
export function feedFilePath(folder: string, fileName: string): string {
  return folder === '' ? fileName : `${folder}/${fileName}`
}

/** Absolute URLs of a folder's feed files, under `feedUrl`. */
export function feedFileUrls(config: ResolvedConfig, folder: string): FormatUrls {
  const url = (format: FormatName) => {
    const name = config.output[format]
    return name === undefined ? undefined : canonicalUrl(feedFilePath(folder, name), config.feedUrl)
  }
  return { rss: url('rss'), atom: url('atom'), json: url('json') }
}

/** The formats that are on, in the fixed order rss, atom, json. */
export function enabledFormats(config: ResolvedConfig): FormatName[] {
  return FORMAT_NAMES.filter((format) => config.output[format] !== undefined)
}

/** Posts sharing one tag or one author, gathered case-insensitively. */
interface Topic {
  /** Every spelling met, with how often: the most frequent one is shown. */
  spellings: Map<string, number>
  /** What the slug is made from when it is not the name (an author's `site.authors` key). */
  slugSource: string | undefined
  posts: Post[]
}

const TOPIC_FOLDERS = { tag: 'tags', author: 'authors' } as const
const TOPIC_OPTIONS = { tag: 'feeds.tags', author: 'feeds.authors' } as const

function planTopicFeeds(
  kind: 'tag' | 'author',
  topics: ReadonlyMap<string, Topic>,
  config: ResolvedConfig,
  problems: KabarError[],
): FeedSet[] {
  const selection: FeedSelection = kind === 'tag' ? config.feeds.tags : config.feeds.authors
  if (selection.kind === 'none') return []
  const slugSources = new Map<string, string>()
  for (const [key, topic] of topics) slugSources.set(key, topic.slugSource ?? shownName(topic))
  const slugs = assignSlugs(slugSources, kind)
  const wanted = (key: string, topic: Topic) =>
    selection.kind === 'all' || selection.names.includes(key) || selection.names.includes(topic.slugSource ?? '')
  if (selection.kind === 'listed') {
    for (const name of selection.names) {
      const isKnown = [...topics].some(([key, topic]) => key === name || topic.slugSource === name)
      if (!isKnown) {
        problems.push(
          kabarWarning(
            'FEED_EMPTY',
            `${TOPIC_OPTIONS[kind]} lists "${name}", but no published post has that ${kind} — check the spelling, or remove it from the list`,
            { file: config.configPath, field: TOPIC_OPTIONS[kind] },
          ),
        )
      }
    }
  }
  const sets: FeedSet[] = []
  for (const [key, topic] of topics) {
    if (!wanted(key, topic)) continue
    const name = shownName(topic)
    const folder = `${TOPIC_FOLDERS[kind]}/${slugs.get(key) ?? key}`
    sets.push({
      kind,
      name,
      folder,
      title: `${config.site.title} — ${name}`,
      posts: limited(topic.posts, config.limit),
      urls: feedFileUrls(config, folder),
    })
  }
  return sets.sort((a, b) => compareCodePoints(a.folder, b.folder))
}

/** Tags are compared case-insensitively: `AI` and `ai` are one feed. */
function groupByTag(published: readonly Post[]): Map<string, Topic> {
  const topics = new Map<string, Topic>()
  for (const post of published) {
    for (const tag of post.tags) addToTopic(topics, tag.toLowerCase(), tag, undefined, post)
  }
  return topics
}

/**
 * Authors are one person per name (case-insensitive): a post naming
 * `redaksi` and one falling back to `site.author` with the same name share a
 * feed. The folder comes from the `site.authors` key when there is one.
 */
function groupByAuthor(published: readonly Post[], config: ResolvedConfig): Map<string, Topic> {
  const keysByName = new Map<string, string>()
  const sortedKeys = [...config.site.authors.keys()].sort(compareCodePoints)
  for (const key of sortedKeys) {
    const name = config.site.authors.get(key)?.name.toLowerCase()
    if (name !== undefined && !keysByName.has(name)) keysByName.set(name, key)
  }
  const topics = new Map<string, Topic>()
  for (const post of published) {
    const authors =
      post.authors.length > 0 ? post.authors : config.site.author === undefined ? [] : [config.site.author]
    for (const author of authors) {
      const key = author.name.toLowerCase()
      addToTopic(topics, key, author.name, keysByName.get(key)?.toLowerCase(), post)
    }
  }
  return topics
}

function addToTopic(
  topics: Map<string, Topic>,
  key: string,
  spelling: string,
  slugSource: string | undefined,
  post: Post,
): void {
  let topic = topics.get(key)
  if (topic === undefined) {
    topic = { spellings: new Map(), slugSource, posts: [] }
    topics.set(key, topic)
  }
  topic.spellings.set(spelling, (topic.spellings.get(spelling) ?? 0) + 1)
  if (topic.posts.at(-1) !== post) topic.posts.push(post)
}

/** The most frequent spelling; on a tie the first in code-point order, so the title never flips. */
function shownName(topic: Topic): string {
  let best: [string, number] | undefined
  for (const entry of topic.spellings) {
    if (best === undefined || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry
  }
  return best?.[0] ?? ''
}

function limited<T>(posts: readonly T[], limit: number): T[] {
  return limit === 0 ? [...posts] : posts.slice(0, limit)
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
