import type { Author, ResolvedConfig } from '../core/config.js'
import { type NormalizeResult, normalizePost } from '../core/normalize.js'
import type { SourceFile } from '../core/post.js'
import type { KabarError } from '../errors.js'
import { needsFallbackDate } from './fallback-dates.js'
import { fromPostTuple, type PostTuple, toPostTuple } from './post-tuple.js'
import { type FileStamp, readPostHead, readPostWhole } from './read-head.js'
import { fromStoredProblem, type StoredProblem, toStoredProblem } from './render-pool.js'

/**
 * One post file read and normalized: the step a build repeats for every
 * file it has not seen, on the main thread or on a scanning worker
 * (scan-worker.ts), which is why it is a function of its arguments only.
 */

/**
 * What reading a file gave: its bytes' hash, whether they were all of it and
 * whether the post kept its body, or why it could not be read.
 */
export type ReadOutcome =
  | { kind: 'source'; stamp: FileStamp; hash: string; isWhole: boolean; hasBody: boolean }
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
  const { stamp, hash, isWhole } = read
  if (settings.mayNeedDates && needsFallbackDate(read.source)) {
    return { read: { kind: 'source', stamp, hash, isWhole, hasBody: isWhole }, needsDate: read.source }
  }
  const result = normalizePost(read.source, { config: settings.config, now: settings.now })
  // A file smaller than a head is read whole when only its head was asked for (one read either way).
  // Its body is let go here: kept until the selection, the bodies of the small posts of 100,000
  // were 60 MB of a build's peak. The few an output shows are read again.
  const hasBody = isWhole && extent === 'whole'
  return {
    read: { kind: 'source', stamp, hash, isWhole, hasBody },
    result: isWhole && !hasBody ? withoutBody(result) : result,
  }
}

/** `result` with an empty body: what a record keeps, and what a post not shown needs. */
export function withoutBody(result: NormalizeResult): NormalizeResult {
  return result.post === undefined || result.post.body === ''
    ? result
    : { ...result, post: { ...result.post, body: '' } }
}

/**
 * A scanned file as plain data, to cross from a worker thread (KabarError's
 * class does not survive), in tuples (see post-tuple.ts). Its path is the
 * receiver's to know: the chunk's files are the same on both sides.
 */
export type TransferredScan = [
  read: TransferredRead,
  /** The normalized post, its authors as they are; `undefined` without one (see `problems`). */
  post: PostTuple<Author[]> | undefined,
  /** The post's body, apart: a post tuple has none. */
  body: string,
  /** The normalizing's problems; `undefined` when the file was not normalized. */
  problems: StoredProblem[] | undefined,
  needsDate: SourceFile | undefined,
]

type TransferredRead =
  | [kind: 'source', size: number, mtimeMs: number, hash: string, isWhole: boolean, hasBody: boolean]
  | [kind: 'problem', stamp: FileStamp | undefined, problem: StoredProblem]

export function toTransferredScan(scanned: ScannedFile): TransferredScan {
  const { read, result, needsDate } = scanned
  const post = result?.post
  return [
    read.kind === 'problem'
      ? ['problem', read.stamp, toStoredProblem(read.problem)]
      : ['source', read.stamp.size, read.stamp.mtimeMs, read.hash, read.isWhole, read.hasBody],
    post === undefined ? undefined : toPostTuple(post, (authors) => authors),
    post?.body ?? '',
    result?.problems.map(toStoredProblem),
    needsDate,
  ]
}

/** The scan of `filePath` a worker sent. */
export function fromTransferredScan(transferred: TransferredScan, filePath: string): ScannedFile {
  const [read, post, body, problems, needsDate] = transferred
  return {
    read:
      read[0] === 'problem'
        ? { kind: 'problem', stamp: read[1], problem: fromStoredProblem(read[2]) }
        : {
            kind: 'source',
            stamp: { size: read[1], mtimeMs: read[2] },
            hash: read[3],
            isWhole: read[4],
            hasBody: read[5],
          },
    result:
      problems === undefined
        ? undefined
        : {
            post: post === undefined ? undefined : fromPostTuple(post, filePath, body, (authors) => authors),
            problems: problems.map(fromStoredProblem),
          },
    needsDate,
  }
}
