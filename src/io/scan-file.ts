import type { ResolvedConfig } from '../core/config.js'
import { type NormalizeResult, normalizePost } from '../core/normalize.js'
import type { Post, SourceFile } from '../core/post.js'
import type { KabarError } from '../errors.js'
import { needsFallbackDate } from './fallback-dates.js'
import { type FileStamp, readPostHead, readPostWhole } from './read-head.js'
import { fromStoredProblem, type StoredProblem, toStoredProblem } from './render-pool.js'

/**
 * One post file read and normalized: the step a build repeats for every
 * file it has not seen, on the main thread or on a scanning worker
 * (scan-worker.ts), which is why it is a function of its arguments only.
 */

/** What reading a file gave: its bytes' hash and whether they were all of it, or why it could not be read. */
export type ReadOutcome =
  | { kind: 'source'; stamp: FileStamp; hash: string; isWhole: boolean }
  | { kind: 'problem'; stamp: FileStamp | undefined; problem: KabarError }

export interface ScannedFile {
  read: ReadOutcome
  /** The normalized post, unless the file could not be read or its date must come from elsewhere. */
  result?: NormalizeResult | undefined
  /** The file's text, when neither its frontmatter nor its name gives a date: git is asked for one later. */
  needsDate?: SourceFile | undefined
}

export interface ScanSettings {
  config: ResolvedConfig
  now: Date
  /** Whether a post without a date gets one from git or its file time (`dateFallback`). */
  mayNeedDates: boolean
}

export function scanFile(filePath: string, extent: 'head' | 'whole', settings: ScanSettings): ScannedFile {
  const { postsDir, maxPostSize } = settings.config
  const read = (extent === 'whole' ? readPostWhole : readPostHead)(filePath, postsDir, maxPostSize)
  if (read.kind === 'problem') return { read }
  const outcome: ReadOutcome = { kind: 'source', stamp: read.stamp, hash: read.hash, isWhole: read.isWhole }
  if (settings.mayNeedDates && needsFallbackDate(read.source)) return { read: outcome, needsDate: read.source }
  return { read: outcome, result: normalizePost(read.source, { config: settings.config, now: settings.now }) }
}

/**
 * A scanned file as plain data, to cross from a worker thread (KabarError's
 * class does not survive). Tuples, not objects: the structured clone writes
 * every key of every object, and at 100,000 posts, objects took twice as
 * long to send and to receive (a tenth of a second on each thread).
 */
export type TransferredScan = [
  read: TransferredRead,
  /** The normalized post; `undefined` without one (see `problems`). */
  post: TransferredPost | undefined,
  /** The normalizing's problems; `undefined` when the file was not normalized. */
  problems: StoredProblem[] | undefined,
  needsDate: SourceFile | undefined,
]

type TransferredRead =
  | [kind: 'source', size: number, mtimeMs: number, hash: string, isWhole: boolean]
  | [kind: 'problem', stamp: FileStamp | undefined, problem: StoredProblem]

/** A post by position, in Post's order (see `fromTransferredPost`). */
type TransferredPost = [
  file: string,
  slug: string,
  title: string,
  date: number,
  updated: number | undefined,
  id: string,
  url: string,
  authors: Post['authors'],
  tags: string[],
  summary: string | undefined,
  image: Post['image'],
  isDraft: boolean,
  excludedBecause: string | undefined,
  lang: string | undefined,
  content: Post['content'],
  body: string,
  bodyLine: number,
]

export function toTransferredScan(scanned: ScannedFile): TransferredScan {
  const { read, result, needsDate } = scanned
  return [
    read.kind === 'problem'
      ? ['problem', read.stamp, toStoredProblem(read.problem)]
      : ['source', read.stamp.size, read.stamp.mtimeMs, read.hash, read.isWhole],
    result?.post === undefined ? undefined : toTransferredPost(result.post),
    result?.problems.map(toStoredProblem),
    needsDate,
  ]
}

export function fromTransferredScan(transferred: TransferredScan): ScannedFile {
  const [read, post, problems, needsDate] = transferred
  return {
    read:
      read[0] === 'problem'
        ? { kind: 'problem', stamp: read[1], problem: fromStoredProblem(read[2]) }
        : { kind: 'source', stamp: { size: read[1], mtimeMs: read[2] }, hash: read[3], isWhole: read[4] },
    result:
      problems === undefined
        ? undefined
        : {
            post: post === undefined ? undefined : fromTransferredPost(post),
            problems: problems.map(fromStoredProblem),
          },
    needsDate,
  }
}

function toTransferredPost(post: Post): TransferredPost {
  return [
    post.file,
    post.slug,
    post.title,
    post.date.getTime(),
    post.updated?.getTime(),
    post.id,
    post.url,
    post.authors,
    post.tags,
    post.summary,
    post.image,
    post.isDraft,
    post.excludedBecause,
    post.lang,
    post.content,
    post.body,
    post.bodyLine,
  ]
}

function fromTransferredPost(transferred: TransferredPost): Post {
  const updated = transferred[4]
  // Every field, in normalizePost's order, so that posts from either thread have the same shape.
  return {
    file: transferred[0],
    slug: transferred[1],
    title: transferred[2],
    date: new Date(transferred[3]),
    updated: updated === undefined ? undefined : new Date(updated),
    id: transferred[5],
    url: transferred[6],
    authors: transferred[7],
    tags: transferred[8],
    summary: transferred[9],
    image: transferred[10],
    isDraft: transferred[11],
    excludedBecause: transferred[12],
    lang: transferred[13],
    content: transferred[14],
    body: transferred[15],
    bodyLine: transferred[16],
  }
}
