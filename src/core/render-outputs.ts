import { createHash, hash } from 'node:crypto'
import path from 'node:path'
import { type KabarError, kabarWarning } from '../errors.js'
import { type BrowserView, serializeHtml } from '../formats/html.js'
import { type FormatName, formatChunks } from '../formats/index.js'
import { serializeOpml } from '../formats/opml.js'
import { archivePagePath } from './archive.js'
import type { Author, ResolvedConfig } from './config.js'
import { buildFeedModel, type FeedModel, type FormatUrls, type ImageSizes } from './feed-model.js'
import { enabledFormats, type FeedPlan, type FeedSet, feedFilePath, feedFileUrls, planFeeds } from './feed-sets.js'
import { pageText } from './page-text.js'
import { POST_FIELDS_BUT_BODY, type Post, type RenderedPost } from './post.js'
import { type RenderResult, renderPost } from './render.js'
import { canonicalUrl } from './urls.js'

/**
 * Given the publishable posts, every file a build writes: the main feed,
 * its RFC 5005 archive pages, the per-tag and per-author feeds, the browser
 * view and the OPML list. Each post is rendered once, however many files
 * show it; `render` lets a caller bring its own (cached) renderer.
 *
 * Files are produced on demand, one at a time, not returned as strings: a
 * full archive of 10,000 posts makes three feeds of about 100 MB each, and
 * holding them all at once (plus their bytes) took gigabytes. A list of
 * producers rather than a callback or a one-pass generator, so that a writer
 * can ask a file what it is made from (`inputsHash`) and skip serializing it
 * when the file on disk was written from the same, and so that the report
 * can still measure files a failed write never reached. Only small closures
 * stay alive; each file comes in pieces (`chunks`) that a writer can stream
 * to disk, so that not even one whole 100 MB feed need be held.
 */
export interface RenderedOutputs {
  /** Every file, in the order it is written. */
  files: OutputFile[]
  /** Items in each feed file, by path. */
  feeds: Map<string, number>
  /** The plan's and the renderings' warnings: known before anything is serialized. */
  warnings: KabarError[]
  /** Feeds over `FEED_SIZE_WARNING_BYTES`, in file order; serializes any feed whose size is not known yet. */
  sizeWarnings(): KabarError[]
}

/** One output file, serialized only when asked. */
export interface OutputFile {
  /** Path inside the output folder, with `/`. */
  readonly name: string
  /**
   * A hash of everything the file's bytes are made from, but kabar's own
   * code (the caller keeps that apart): the feed model, every post's
   * rendering in it (by key when the renderings have keys, else its HTML),
   * and the format. Equal hashes give equal bytes.
   * `undefined` for the small files that are not worth it (browser view, OPML).
   */
  inputsHash(): string | undefined
  /**
   * Serializes the file in pieces (a feed item at a time), made as they are
   * asked for: joined, they are the whole file. Records `size` once every
   * piece was taken.
   */
  chunks(): Iterable<string>
  /** Size in bytes once known: set by `chunks()`, or by a writer that found the file on disk as these inputs write it. */
  size: number | undefined
}

/** Above this many bytes many readers and aggregators truncate or refuse a feed. */
export const FEED_SIZE_WARNING_BYTES = 1024 * 1024

/** Bumped when a file's bytes come to depend on something `inputsHash` does not cover, or its form changes. */
const INPUTS_HASH_VERSION = 2

/**
 * Each post's rendering, as a build has it. A build with a post cache knows
 * most renderings by key without reading them: it hashes files by those keys,
 * and reads a post's HTML only when a file that shows it is serialized (after
 * one edit, one archive page of a 10,000-post site instead of all of them).
 */
export interface Renderings {
  /** The post's rendering. */
  get(post: Post): RenderResult
  /** Its warnings, without its HTML. */
  warningsOf(post: Post): readonly KabarError[]
  /**
   * A name for the rendering, known without reading it: equal keys, equal
   * renderings. `undefined` when there is none (a rendering stopped for
   * taking too long may come out differently next time): files showing the
   * post are then hashed by its HTML.
   */
  keyOf(post: Post): string | undefined
  /**
   * Digests of the items posts make (see {@link itemDigestOf}), kept from
   * an earlier build: a post whose fields and rendering are unchanged has the
   * same digest, and its fields need not be read and hashed again (after one
   * edit of a 10,000-post site, a tenth of the build).
   */
  itemDigests?: ItemDigests
}

export interface ItemDigests {
  /** The digest kept for `post` with the rendering `renderingKey`, if any. */
  get(post: Post, renderingKey: string): string | undefined
  /** Keeps a digest made now, for the next build. */
  keep(post: Post, renderingKey: string, digest: string): void
}

/** Renderings made here, each once, by `render`: no keys, so files are hashed by their HTML. */
export function renderingsOf(render: (post: Post) => RenderResult = renderPost): Renderings {
  const results = new Map<Post, RenderResult>()
  const get = (post: Post) => {
    let result = results.get(post)
    if (result === undefined) {
      result = render(post)
      results.set(post, result)
    }
    return result
  }
  return { get, warningsOf: (post) => get(post).warnings, keyOf: () => undefined }
}

export function renderOutputs(
  published: readonly Post[],
  config: ResolvedConfig,
  imageSizes: ImageSizes = new Map(),
  renderings: Renderings = renderingsOf(),
): RenderedOutputs {
  const plan = planFeeds(published, config)
  const warnings: KabarError[] = [...plan.problems]
  // Every post's warnings are taken before anything is serialized, in the order the files show
  // the posts: they are in the report whether or not a file is serialized, and in the same order.
  const topics = [...plan.tags, ...plan.authors]
  const warned = new Set<Post>()
  for (const posts of [plan.main.posts, ...plan.archivePages, ...topics.map((set) => set.posts)]) {
    for (const post of posts) {
      if (warned.has(post)) continue
      warned.add(post)
      warnings.push(...renderings.warningsOf(post))
    }
  }
  const renderedPosts = new Map<Post, RenderedPost>()
  const rendered = (posts: readonly Post[]) =>
    posts.map((post) => {
      let result = renderedPosts.get(post)
      if (result === undefined) {
        const output = renderings.get(post)
        result = { ...post, html: output.html, summaryText: output.summaryText }
        renderedPosts.set(post, result)
      }
      return result
    })
  // A file's hash by keys: each post's item digest and the size of its local image, made once per
  // post however many files show it; `undefined` when a post has no rendering key (the file's HTML
  // is hashed then).
  const postKeys = new Map<Post, string | undefined>()
  const postKeyOf = (post: Post): string | undefined => {
    if (!postKeys.has(post)) {
      const renderingKey = renderings.keyOf(post)
      let key: string | undefined
      if (renderingKey !== undefined) {
        let digest = renderings.itemDigests?.get(post, renderingKey)
        if (digest === undefined) {
          digest = itemDigestOf(post, renderingKey)
          renderings.itemDigests?.keep(post, renderingKey, digest)
        }
        const localPath = post.image?.localPath
        key = localPath === undefined ? `${digest}\0` : `${digest}:${imageSizes.get(localPath) ?? -1}\0`
      }
      postKeys.set(post, key)
    }
    return postKeys.get(post)
  }
  const keyedHash = (posts: readonly Post[], makeModel: () => FeedModel): string | undefined => {
    // The feed's own fields (config, links, archive), from a model made with no items; then the
    // items' keys, joined and hashed at once: one hash update per item was a sixth of writing
    // 200 archive pages after one edit.
    let text = `${INPUTS_HASH_VERSION}\0keys\0${JSON.stringify(makeModel())}\0${posts.length}\0`
    for (const post of posts) {
      const key = postKeyOf(post)
      if (key === undefined) return undefined
      text += key
    }
    return createHash('sha1').update(text).digest('base64url')
  }
  const modelOf = (set: FeedSet, render: (posts: readonly Post[]) => RenderedPost[] = rendered): FeedModel => ({
    ...buildFeedModel(config, render(set.posts), imageSizes),
    title: set.title,
    description: set.kind === 'main' ? config.site.description : set.title,
    feedUrls: set.urls,
  })

  const files: OutputFile[] = []
  const feeds = new Map<string, number>()
  /** `makeModel(render)` makes the feed's model from `posts` (and no other) as `render` gives them. */
  const addFeed = (
    folderOrPath: string | ((format: FormatName) => string),
    posts: readonly Post[],
    makeModel: (render: (posts: readonly Post[]) => RenderedPost[]) => FeedModel,
  ) => {
    // One model and one hash for the feed's formats, made when the first one asks. The hash
    // comes from the rendering keys when there are some for every post: the HTML is then read
    // only if the file must be serialized.
    let model: FeedModel | undefined
    let modelHash: string | undefined
    const modelNow = () => {
      model ??= makeModel(rendered)
      return model
    }
    const hashNow = () => {
      // Marked apart: a hash by keys never equals a hash of HTML.
      modelHash ??= keyedHash(posts, () => makeModel(() => [])) ?? `h${hashFeedModel(modelNow())}`
      return modelHash
    }
    const itemCount = posts.length
    for (const format of enabledFormats(config)) {
      const name =
        typeof folderOrPath === 'string'
          ? feedFilePath(folderOrPath, config.output[format] ?? '')
          : folderOrPath(format)
      feeds.set(name, itemCount)
      files.push(
        outputFile(
          name,
          () => formatChunks[format](modelNow()),
          () => `${format}:${hashNow()}`,
        ),
      )
    }
  }

  const pageUrls = archivePageUrls(config)
  const pageCount = plan.archivePages.length
  addFeed(plan.main.folder, plan.main.posts, (render) => ({
    ...modelOf(plan.main, render),
    archive:
      pageCount === 0
        ? undefined
        : { isPage: false, previous: pageUrls(pageCount), next: undefined, current: undefined },
  }))
  plan.archivePages.forEach((posts, index) => {
    const page = index + 1
    addFeed(
      (format) => archivePagePath(page, format),
      posts,
      (render) => archivePageModel(config, render(posts), imageSizes, page, pageUrls),
    )
  })
  for (const set of topics) addFeed(set.folder, set.posts, (render) => modelOf(set, render))

  if (config.output.html !== undefined) {
    files.push(outputFile(config.output.html, () => [serializeHtml(browserView(modelOf(plan.main), plan, config))]))
  }
  if (config.output.opml !== undefined) {
    const feedSets = [plan.main, ...plan.tags, ...plan.authors]
    files.push(
      outputFile(config.output.opml, () => [
        serializeOpml({ title: config.site.title, homeUrl: config.site.url, feeds: feedSets }),
      ]),
    )
  }
  return { files, feeds, warnings, sizeWarnings: () => sizeWarnings(files, feeds, config) }
}

function outputFile(name: string, serialize: () => Iterable<string>, inputsHash?: () => string): OutputFile {
  const file: OutputFile = {
    name,
    size: undefined,
    inputsHash: () => inputsHash?.(),
    *chunks() {
      let bytes = 0
      for (const chunk of serialize()) {
        bytes += Buffer.byteLength(chunk, 'utf8')
        yield chunk
      }
      file.size = bytes
    },
  }
  return file
}

/**
 * A hash of a feed model: every field the formats read. The HTML of each
 * item goes to the hash as it is (a full archive's is 100 MB: hashing it
 * costs a tenth of serializing it); the rest as JSON.
 */
export function hashFeedModel(model: FeedModel): string {
  const hash = createHash('sha1')
  const { items, ...feed } = model
  hash.update(`${INPUTS_HASH_VERSION}\0${JSON.stringify(feed)}\0${items.length}\0`)
  for (const { contentHtml, ...item } of items) {
    hash.update(JSON.stringify(item))
    if (contentHtml === undefined) hash.update('\0-\0')
    else hash.update(`\0${contentHtml.length}\0`).update(contentHtml)
  }
  return hash.digest('base64url')
}

/**
 * A digest of what a feed item is made from, but the size of its local
 * image (a file beside the post, which may change on its own): the post's
 * fields and the key of its rendering (which stands for its HTML and
 * summary). Equal digests, equal items (in equal feeds).
 */
function itemDigestOf(post: Post, renderingKey: string): string {
  return hash('sha1', itemInputsText(post, renderingKey), 'base64url')
}

/**
 * The text {@link itemDigestOf} hashes. Built by hand, not with
 * JSON.stringify of the whole post: its dates made that a tenth of a build
 * after one edit at 10,000 posts.
 */
function itemInputsText(post: Post, renderingKey: string): string {
  let text = `${renderingKey}\0`
  for (const field of POST_FIELDS_BUT_BODY) {
    const value = post[field]
    text +=
      value === undefined
        ? '-\0'
        : value instanceof Date
          ? `d${value.getTime()}\0`
          : typeof value === 'string'
            ? `s${value.length}:${value}\0`
            : `j${field === 'authors' ? authorsJson(post.authors) : JSON.stringify(value)}\0`
  }
  return text
}

/**
 * JSON of a post's authors, made once per list: posts read from the cache
 * share their author lists, and making the JSON of each post's list again
 * was a third of hashing 200 archive pages. Posts are never changed once
 * made, so a list's JSON stays what it was.
 */
const jsonOfAuthors = new WeakMap<readonly Author[], string>()

function authorsJson(authors: readonly Author[]): string {
  let json = jsonOfAuthors.get(authors)
  if (json === undefined) {
    json = JSON.stringify(authors)
    jsonOfAuthors.set(authors, json)
  }
  return json
}

/** The posts some output shows, newest first: the ones whose images need sizes. */
export function postsInOutputs(published: readonly Post[], config: ResolvedConfig): Post[] {
  // Archive pages hold every post the subscription feed does not, and a limit of 0 shows them all: no
  // need to plan every feed (a build with archive pages asked three times, 16 ms at 10,000 posts).
  if (config.archivePageSize !== undefined || config.limit === 0) return [...published]
  const plan = planFeeds(published, config)
  const shown = new Set<Post>([...plan.main.posts, ...plan.archivePages.flat()])
  for (const set of [...plan.tags, ...plan.authors]) for (const post of set.posts) shown.add(post)
  return published.filter((post) => shown.has(post))
}

/**
 * An archive page: `fh:archive`, `prev-archive` to the page before (none on
 * page 1), `current` to the subscription feed, and `next-archive` to the
 * page after. That link names the next page before it exists (it answers 404
 * until that page fills) so that a published page never has to change:
 * readers walk the other way, from the subscription feed along `prev-archive`.
 * No hub: a page never changes, so there is nothing to push.
 */
function archivePageModel(
  config: ResolvedConfig,
  posts: readonly RenderedPost[],
  imageSizes: ImageSizes,
  page: number,
  pageUrls: (page: number) => FormatUrls,
): FeedModel {
  const title = `${config.site.title} — ${pageText(config.site.language).archivePage(page)}`
  return {
    ...buildFeedModel(config, posts, imageSizes),
    title,
    description: title,
    feedUrls: pageUrls(page),
    hub: undefined,
    archive: {
      isPage: true,
      previous: page > 1 ? pageUrls(page - 1) : undefined,
      next: pageUrls(page + 1),
      current: pageUrls(0),
    },
  }
}

/**
 * The URLs of archive page `page`, page 0 standing for the subscription
 * feed; each made once (200 pages name each other: parsing their URLs again
 * for every page was a tenth of hashing them).
 */
function archivePageUrls(config: ResolvedConfig): (page: number) => FormatUrls {
  const made = new Map<number, FormatUrls>()
  return (page) => {
    let urls = made.get(page)
    if (urls === undefined) {
      const url = (format: FormatName) =>
        config.output[format] === undefined ? undefined : canonicalUrl(archivePagePath(page, format), config.feedUrl)
      urls = page === 0 ? feedFileUrls(config, '') : { rss: url('rss'), atom: url('atom'), json: url('json') }
      made.set(page, urls)
    }
    return urls
  }
}

function browserView(feed: FeedModel, plan: FeedPlan, config: ResolvedConfig): BrowserView {
  return { feed, timezone: config.site.timezone, tags: plan.tags, authors: plan.authors }
}

function sizeWarnings(
  files: readonly OutputFile[],
  feeds: ReadonlyMap<string, number>,
  config: ResolvedConfig,
): KabarError[] {
  const warnings: KabarError[] = []
  for (const file of files) {
    if (!feeds.has(file.name)) continue
    if (file.size === undefined) for (const _chunk of file.chunks());
    const bytes = file.size ?? 0
    if (bytes <= FEED_SIZE_WARNING_BYTES) continue
    const size = (bytes / (1024 * 1024)).toFixed(1)
    warnings.push(
      kabarWarning(
        'FEED_TOO_LARGE',
        `${file.name} is ${size} MB: many readers and aggregators truncate or refuse feeds over 1 MB — lower "limit", turn on "archive", or publish summaries ("content": "summary")`,
        { file: path.join(config.outDir, ...file.name.split('/')) },
      ),
    )
  }
  return warnings
}
