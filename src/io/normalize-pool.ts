import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { ResolvedConfig } from '../core/config.js'
import { type NormalizeResult, normalizePost } from '../core/normalize.js'
import type { KabarError } from '../errors.js'
import { type FileStamp, readPostHead } from './read-head.js'
import { fromStoredProblem, type StoredProblem, toStoredProblem } from './render-pool.js'

/**
 * Reads and normalizes the heads of many posts on every core: the first
 * build of 10,000 posts spends most of its time there. The calling thread
 * works through the list too, so a worker that starts late costs nothing.
 */

/** Below this many posts, one thread does it all: a worker takes about 50 ms to start. */
export const PARALLEL_THRESHOLD = 2000
/** Posts taken from the shared list at a time. */
export const CHUNK = 64

/** One post's head, read and normalized. */
export type HeadResult =
  | { kind: 'source'; stamp: FileStamp; hash: string; isWhole: boolean; result: NormalizeResult }
  | { kind: 'problem'; stamp: FileStamp | undefined; problem: KabarError }

/** Crosses between threads: problems as plain data. */
type StoredHeadResult =
  | {
      kind: 'source'
      stamp: FileStamp
      hash: string
      isWhole: boolean
      post: NormalizeResult['post']
      problems: StoredProblem[]
    }
  | { kind: 'problem'; stamp: FileStamp | undefined; problem: StoredProblem }

export interface HeadJob {
  paths: readonly string[]
  config: ResolvedConfig
  now: number
}

/** The worker's script; `undefined` when running from TypeScript sources (tests), where workers cannot load it. */
const WORKER_URL = import.meta.url.endsWith('.js') ? new URL('./normalize-worker.js', import.meta.url) : undefined

/** Reads and normalizes the head of each post in `job.paths`; results come in the same order. */
export async function readAndNormalizeHeads(job: HeadJob): Promise<HeadResult[]> {
  const results: HeadResult[] = new Array(job.paths.length)
  const next = new Int32Array(new SharedArrayBuffer(4))
  const workers = startWorkers(job, next, results)
  for (;;) {
    const start = Atomics.add(next, 0, CHUNK)
    if (start >= job.paths.length) break
    for (let index = start; index < Math.min(start + CHUNK, job.paths.length); index++) {
      results[index] = fromStored(readAndNormalizeHead(job, index))
    }
  }
  await Promise.all(workers)
  // Whatever a failed worker left undone.
  for (let index = 0; index < results.length; index++) {
    results[index] ??= fromStored(readAndNormalizeHead(job, index))
  }
  return results
}

/** Runs on both sides: one post's head, read and normalized, as plain data. */
export function readAndNormalizeHead(job: HeadJob, index: number): StoredHeadResult {
  const filePath = job.paths[index] as string
  const read = readPostHead(filePath, job.config.postsDir, job.config.maxPostSize)
  if (read.kind === 'problem') return { kind: 'problem', stamp: read.stamp, problem: toStoredProblem(read.problem) }
  const { post, problems } = normalizePost(read.source, { config: job.config, now: new Date(job.now) })
  return {
    kind: 'source',
    stamp: read.stamp,
    hash: read.hash,
    isWhole: read.isWhole,
    post,
    problems: problems.map(toStoredProblem),
  }
}

function fromStored(stored: StoredHeadResult): HeadResult {
  if (stored.kind === 'problem') return { ...stored, problem: fromStoredProblem(stored.problem) }
  const { post, problems, ...read } = stored
  return { ...read, result: { post, problems: problems.map(fromStoredProblem) } }
}

function startWorkers(job: HeadJob, next: Int32Array, results: HeadResult[]): Promise<void>[] {
  const count = Math.min(availableParallelism() - 1, 3)
  if (WORKER_URL === undefined || count < 1 || job.paths.length < PARALLEL_THRESHOLD) return []
  return Array.from({ length: count }, () => {
    let worker: Worker
    try {
      worker = new Worker(WORKER_URL, { workerData: { job, next } })
    } catch {
      // A config that cannot cross to another thread (a function in it): this thread does all.
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      worker.on('message', (message: [index: number, result: StoredHeadResult][] | 'done') => {
        if (message === 'done') {
          resolve()
          return
        }
        for (const [index, stored] of message) results[index] = fromStored(stored)
      })
      // A worker that fails leaves its posts to this thread.
      worker.on('error', () => resolve())
      worker.on('exit', () => resolve())
    })
  })
}
