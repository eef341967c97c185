import path from 'node:path'
import { KabarError } from '../errors.js'
import { FORMAT_NAMES, type FormatName, formats } from '../formats/index.js'
import type { ResolvedConfig } from './config.js'
import { buildFeedModel, comparePostsNewestFirst, type ImageSizes } from './feed-model.js'
import { type NormalizeResult, normalizePost } from './normalize.js'
import type { Post, RenderedPost, SourceFile } from './post.js'
import { expandPostTemplates } from './post-templates.js'
import { renderPost } from './render.js'

/**
 * The pure core of a build: source files in, feed files out. No file
 * system, no clock (time arrives as `now`), no console.
 */

export interface SelectOptions {
  now: Date
  /** Include `draft: true` posts. */
  includeDrafts?: boolean
  /** Include posts dated after `now` (a preview). */
  includeFuture?: boolean
}

export interface Selection {
  /** The posts each feed shows, newest first, at most `config.limit` (0: all). */
  shown: Post[]
  /** Every publishable post, newest first. */
  published: Post[]
  /** The same posts (before templates are expanded) in file order: the id manifest's. */
  publishedByFile: Post[]
  drafts: Post[]
  future: Post[]
  /** Posts the preset's generator would never publish (`expiryDate` passed, …): `excludedBecause` says why. */
  excluded: Post[]
  /** Errors stop the build; warnings do not (unless strict). */
  problems: KabarError[]
  /** Earliest date among future posts: when a rebuild would publish one. */
  nextFutureDate: Date | undefined
}

/** Normalizes every source, drops drafts and future posts, checks duplicates and sorts. */
export function selectPosts(sources: readonly SourceFile[], config: ResolvedConfig, options: SelectOptions): Selection {
  const normalized = sources.map((source) => normalizePost(source, { config, now: options.now }))
  return selectNormalized(normalized, config, options)
}

/**
 * `selectPosts` after normalizing: for a caller that keeps normalized posts
 * between builds (see session.ts). Results come in the sources' order.
 */
export function selectNormalized(
  normalized: readonly NormalizeResult[],
  config: ResolvedConfig,
  options: SelectOptions,
  memo?: SelectionMemo,
): Selection {
  const problems: KabarError[] = []
  const published: Post[] = []
  const drafts: Post[] = []
  const future: Post[] = []
  const excluded: Post[] = []
  const now = options.now.getTime()
  for (const { post, problems: postProblems } of normalized) {
    if (postProblems.length > 0) problems.push(...postProblems)
    if (post === undefined) continue
    if (post.excludedBecause !== undefined) excluded.push(post)
    else if (post.isDraft && !options.includeDrafts) drafts.push(post)
    else if (post.date.getTime() > now && !options.includeFuture) future.push(post)
    else published.push(post)
  }
  // In file order already when read in path order (as the post store and the plain path read them).
  const byFile = isInFileOrder(published) ? published : [...published].sort(compareFiles)
  const checked = orderAndCheck(byFile, path.dirname(config.configPath), memo)
  problems.push(...checked.duplicates)
  // Liquid, Nunjucks and Hugo shortcodes in a preset's posts become Markdown before rendering.
  const templated = expandPostTemplates(checked.sorted, [...published, ...drafts, ...future, ...excluded], config)
  problems.push(...templated.problems)
  // Not spliced back into `published`: as arguments, 100,000 posts overflow the stack, and 10,000 were slow.
  const posts = templated.posts
  const shown = config.limit === 0 ? posts : posts.slice(0, config.limit)
  const nextFutureDate = future.reduce<Date | undefined>(
    (earliest, post) => (earliest === undefined || post.date < earliest ? post.date : earliest),
    undefined,
  )
  return { shown, published: posts, publishedByFile: byFile, drafts, future, excluded, problems, nextFutureDate }
}

function compareFiles(a: Post, b: Post): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0
}

/** Whether `posts` are in file order: a look at each pair is cheaper than a sort (at 100,000 posts, 40 ms). */
function isInFileOrder(posts: readonly Post[]): boolean {
  for (let index = 1; index < posts.length; index++) {
    if ((posts[index - 1] as Post).file > (posts[index] as Post).file) return false
  }
  return true
}

/**
 * What the last selection of a build session found, for the next to start
 * from. Published posts with the same files, ids, URLs and dates as last
 * time, in the same order (an edit of a post's body or title), have the
 * same duplicates and the same order: sorting and checking 10,000 posts
 * was a sixth of a watch rebuild. Held by the caller, changed by each call.
 */
export interface SelectionMemo {
  last?: { projectDir: string; inPathOrder: readonly Post[]; sorted: readonly Post[]; duplicates: KabarError[] }
}

/**
 * Lets the memo's posts go of their bodies, `withoutBody` giving each post's
 * body-less form: once rendered, the bodies of the posts read whole are kept
 * by no one (at 100,000 posts, the memo alone held 46 MB of them).
 */
export function releaseBodies(memo: SelectionMemo, withoutBody: (post: Post) => Post): void {
  const last = memo.last
  if (last === undefined) return
  memo.last = { ...last, inPathOrder: last.inPathOrder.map(withoutBody), sorted: last.sorted.map(withoutBody) }
}

/** The published posts newest first, and their duplicate ids and URLs; from `memo` when they stand. */
function orderAndCheck(
  inPathOrder: readonly Post[],
  projectDir: string,
  memo: SelectionMemo | undefined,
): { sorted: readonly Post[]; duplicates: KabarError[] } {
  const last = memo?.last
  if (last !== undefined && last.projectDir === projectDir && last.inPathOrder.length === inPathOrder.length) {
    // The posts edited since: their new objects take the old ones' places.
    const replaced = new Map<Post, Post>()
    const stands = inPathOrder.every((post, index) => {
      const before = last.inPathOrder[index] as Post
      if (post === before) return true
      replaced.set(before, post)
      return (
        post.file === before.file &&
        post.id === before.id &&
        post.url === before.url &&
        post.date.getTime() === before.date.getTime()
      )
    })
    if (stands) {
      const sorted = replaced.size === 0 ? last.sorted : last.sorted.map((post) => replaced.get(post) ?? post)
      if (memo !== undefined) memo.last = { ...last, inPathOrder, sorted }
      return { sorted, duplicates: last.duplicates }
    }
  }
  const duplicates = findDuplicates(inPathOrder, projectDir)
  const sorted = [...inPathOrder].sort(comparePostsNewestFirst)
  if (memo !== undefined) memo.last = { projectDir, inPathOrder, sorted, duplicates }
  return { sorted, duplicates }
}

/** Two posts with one id or one URL would merge in readers: name both files. `posts` are in file order. */
function findDuplicates(ordered: readonly Post[], projectDir: string): KabarError[] {
  const shown = (post: Post) => path.relative(projectDir, post.file).split(path.sep).join('/')
  const problems: KabarError[] = []
  // One map for ids and URLs, which are mostly the same string: a lookup per post, not four (at 100,000 posts the
  // four were a third of a second).
  const seen = new Map<string, { asId?: Post; asUrl?: Post }>()
  const entryOf = (key: string) => {
    let entry = seen.get(key)
    if (entry === undefined) {
      entry = {}
      seen.set(key, entry)
    }
    return entry
  }
  for (const post of ordered) {
    const atId = entryOf(post.id)
    const atUrl = post.url === post.id ? atId : entryOf(post.url)
    const sameId = atId.asId
    const sameUrl = atUrl.asUrl
    if (sameId !== undefined) {
      problems.push(
        new KabarError(
          'DUPLICATE_ID',
          `id ${post.id} is also the id of ${shown(sameId)} — give one of them another slug or id`,
          {
            file: post.file,
            line: 1,
            field: 'id',
          },
        ),
      )
    } else if (sameUrl !== undefined) {
      problems.push(
        new KabarError(
          'DUPLICATE_URL',
          `URL ${post.url} is also the URL of ${shown(sameUrl)} — give one of them another slug`,
          {
            file: post.file,
            line: 1,
            field: 'slug',
          },
        ),
      )
    }
    atId.asId = post
    atUrl.asUrl = post
  }
  return problems
}

export interface RenderedFeeds {
  /** Feed file name (inside the output folder) → its contents. */
  files: Map<string, string>
  itemCounts: Partial<Record<FormatName, number>>
  warnings: KabarError[]
}

/** Renders the shown posts' Markdown and serializes every enabled format. */
export function renderFeeds(
  posts: readonly Post[],
  config: ResolvedConfig,
  imageSizes: ImageSizes = new Map(),
  render: (post: Post) => ReturnType<typeof renderPost> = renderPost,
): RenderedFeeds {
  const warnings: KabarError[] = []
  const rendered = posts.map((post): RenderedPost => {
    const result = render(post)
    warnings.push(...result.warnings)
    return { ...post, html: result.html, summaryText: result.summaryText }
  })
  const model = buildFeedModel(config, rendered, imageSizes)
  const files = new Map<string, string>()
  const itemCounts: Partial<Record<FormatName, number>> = {}
  for (const format of FORMAT_NAMES) {
    const name = config.output[format]
    if (name === undefined) continue
    files.set(name, formats[format](model))
    itemCounts[format] = model.items.length
  }
  return { files, itemCounts, warnings }
}
