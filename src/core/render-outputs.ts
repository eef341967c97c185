import path from 'node:path'
import { type KabarError, kabarWarning } from '../errors.js'
import { type BrowserView, serializeHtml } from '../formats/html.js'
import { type FormatName, formats } from '../formats/index.js'
import { serializeOpml } from '../formats/opml.js'
import { archivePagePath } from './archive.js'
import type { ResolvedConfig } from './config.js'
import { buildFeedModel, type FeedModel, type FormatUrls, type ImageSizes } from './feed-model.js'
import { enabledFormats, type FeedPlan, type FeedSet, feedFilePath, feedFileUrls, planFeeds } from './feed-sets.js'
import { pageText } from './page-text.js'
import type { Post, RenderedPost } from './post.js'
import { renderPost } from './render.js'
import { canonicalUrl } from './urls.js'

/**
 * Given the publishable posts, every file a build writes: the main feed,
 * its RFC 5005 archive pages, the per-tag and per-author feeds, the browser
 * view and the OPML list. Each post is rendered once, however many files
 * show it; `render` lets a caller bring its own (cached) renderer.
 */
export interface RenderedOutputs {
  /** Path inside the output folder (with `/`) → contents. */
  files: Map<string, string>
  /** Items in each feed file, by path. */
  feeds: Map<string, number>
  warnings: KabarError[]
}

/** Above this many bytes many readers and aggregators truncate or refuse a feed. */
export const FEED_SIZE_WARNING_BYTES = 1024 * 1024

export function renderOutputs(
  published: readonly Post[],
  config: ResolvedConfig,
  imageSizes: ImageSizes = new Map(),
  render: (post: Post) => ReturnType<typeof renderPost> = renderPost,
): RenderedOutputs {
  const plan = planFeeds(published, config)
  const warnings: KabarError[] = [...plan.problems]
  const renderedPosts = new Map<Post, RenderedPost>()
  const rendered = (posts: readonly Post[]) =>
    posts.map((post) => {
      let result = renderedPosts.get(post)
      if (result === undefined) {
        const output = render(post)
        warnings.push(...output.warnings)
        result = { ...post, html: output.html, summaryText: output.summaryText }
        renderedPosts.set(post, result)
      }
      return result
    })
  const modelOf = (set: FeedSet): FeedModel => ({
    ...buildFeedModel(config, rendered(set.posts), imageSizes),
    title: set.title,
    description: set.kind === 'main' ? config.site.description : set.title,
    feedUrls: set.urls,
  })

  const outputs: RenderedOutputs = { files: new Map(), feeds: new Map(), warnings }
  const addFeed = (folderOrPath: string | ((format: FormatName) => string), model: FeedModel) => {
    for (const format of enabledFormats(config)) {
      const name =
        typeof folderOrPath === 'string'
          ? feedFilePath(folderOrPath, config.output[format] ?? '')
          : folderOrPath(format)
      outputs.files.set(name, formats[format](model))
      outputs.feeds.set(name, model.items.length)
    }
  }

  const pageUrls = archivePageUrls(config)
  const mainModel = modelOf(plan.main)
  const pageCount = plan.archivePages.length
  addFeed(plan.main.folder, {
    ...mainModel,
    archive:
      pageCount === 0
        ? undefined
        : { isPage: false, previous: pageUrls(pageCount), next: undefined, current: undefined },
  })
  plan.archivePages.forEach((posts, index) => {
    const page = index + 1
    addFeed((format) => archivePagePath(page, format), archivePageModel(config, rendered(posts), imageSizes, page))
  })
  for (const set of [...plan.tags, ...plan.authors]) addFeed(set.folder, modelOf(set))

  if (config.output.html !== undefined) {
    outputs.files.set(config.output.html, serializeHtml(browserView(mainModel, plan, config)))
  }
  if (config.output.opml !== undefined) {
    const feeds = [plan.main, ...plan.tags, ...plan.authors]
    outputs.files.set(config.output.opml, serializeOpml({ title: config.site.title, homeUrl: config.site.url, feeds }))
  }
  warnings.push(...sizeWarnings(outputs, config))
  return outputs
}

/** The posts some output shows, newest first: the ones whose images need sizes. */
export function postsInOutputs(published: readonly Post[], config: ResolvedConfig): Post[] {
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
): FeedModel {
  const pageUrls = archivePageUrls(config)
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
      current: feedFileUrls(config, ''),
    },
  }
}

function archivePageUrls(config: ResolvedConfig): (page: number) => FormatUrls {
  return (page) => {
    const url = (format: FormatName) =>
      config.output[format] === undefined ? undefined : canonicalUrl(archivePagePath(page, format), config.feedUrl)
    return { rss: url('rss'), atom: url('atom'), json: url('json') }
  }
}

function browserView(feed: FeedModel, plan: FeedPlan, config: ResolvedConfig): BrowserView {
  return { feed, timezone: config.site.timezone, tags: plan.tags, authors: plan.authors }
}

function sizeWarnings(outputs: RenderedOutputs, config: ResolvedConfig): KabarError[] {
  const warnings: KabarError[] = []
  for (const name of outputs.feeds.keys()) {
    const bytes = Buffer.byteLength(outputs.files.get(name) ?? '', 'utf8')
    if (bytes <= FEED_SIZE_WARNING_BYTES) continue
    const size = (bytes / (1024 * 1024)).toFixed(1)
    warnings.push(
      kabarWarning(
        'FEED_TOO_LARGE',
        `${name} is ${size} MB: many readers and aggregators truncate or refuse feeds over 1 MB — lower "limit", turn on "archive", or publish summaries ("content": "summary")`,
        { file: path.join(config.outDir, ...name.split('/')) },
      ),
    )
  }
  return warnings
}
