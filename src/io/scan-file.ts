import type { ResolvedConfig } from '../core/config.js'
import { type NormalizeResult, normalizePost } from '../core/normalize.js'
import type { SourceFile } from '../core/post.js'
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

/** A scanned file as plain data, to cross from a worker thread (KabarError's class does not survive). */
export interface TransferredScan {
  read:
    | { kind: 'source'; stamp: FileStamp; hash: string; isWhole: boolean }
    | { kind: 'problem'; stamp: FileStamp | undefined; problem: StoredProblem }
  result?: { post: NormalizeResult['post']; problems: StoredProblem[] } | undefined
  needsDate?: SourceFile | undefined
}

export function toTransferredScan(scanned: ScannedFile): TransferredScan {
  const { read, result, needsDate } = scanned
  return {
    read: read.kind === 'problem' ? { ...read, problem: toStoredProblem(read.problem) } : read,
    result: result === undefined ? undefined : { post: result.post, problems: result.problems.map(toStoredProblem) },
    needsDate,
  }
}

export function fromTransferredScan(transferred: TransferredScan): ScannedFile {
  const { read, result, needsDate } = transferred
  return {
    read: read.kind === 'problem' ? { ...read, problem: fromStoredProblem(read.problem) } : read,
    result: result === undefined ? undefined : { post: result.post, problems: result.problems.map(fromStoredProblem) },
    needsDate,
  }
}
