import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Post } from '../core/post.js'
import { type RenderResult, renderPost } from '../core/render.js'
import { loadRenderLibraries } from '../core/render-libraries.js'
import { KabarError, type KabarErrorCode, type KabarErrorDetails } from '../errors.js'

/**
 * Renders many posts on worker threads, one per core: a full archive of
 * 10,000 posts is minutes of Markdown on one core. A few posts render on
 * the calling thread, since starting a worker and loading the Markdown
 * libraries in it costs about as much as rendering a dozen posts.
 */

/** Below this many posts, rendering stays on this thread. */
export const POOL_THRESHOLD = 24
/** Posts handed to a worker at a time: big enough to amortize messages, small enough to balance the load. */
const BATCH_SIZE = 4

/** A rendering, as plain data that can cross to another thread and into the cache. */
export interface StoredRender {
  html: string
  summaryText: string
  warnings: StoredProblem[]
}

export interface StoredProblem extends KabarErrorDetails {
  code: KabarErrorCode
  message: string
}

export function toStoredRender(result: RenderResult): StoredRender {
  return { html: result.html, summaryText: result.summaryText, warnings: result.warnings.map(toStoredProblem) }
}

export function fromStoredRender(stored: StoredRender): RenderResult {
  return { html: stored.html, summaryText: stored.summaryText, warnings: stored.warnings.map(fromStoredProblem) }
}

export function toStoredProblem(problem: KabarError): StoredProblem {
  return {
    code: problem.code,
    message: problem.message,
    file: problem.file,
    line: problem.line,
    field: problem.field,
    hint: problem.hint,
    severity: problem.severity,
  }
}

export function fromStoredProblem(stored: StoredProblem): KabarError {
  const { code, message, ...details } = stored
  return new KabarError(code, message, details)
}

/** The worker's script; `undefined` when running from TypeScript sources (tests), where workers cannot load it. */
const WORKER_URL = import.meta.url.endsWith('.js') ? new URL('./render-worker.js', import.meta.url) : undefined

export interface RenderManyOptions {
  /** Called after each post is rendered. */
  onRendered?: (done: number) => void
  /** Worker threads at most. Default: the number of cores. */
  maxWorkers?: number
}

/** Renders `posts` in order; results come back in the same order. */
export async function renderMany(posts: readonly Post[], options: RenderManyOptions = {}): Promise<RenderResult[]> {
  const workers = Math.min(options.maxWorkers ?? availableParallelism(), Math.ceil(posts.length / BATCH_SIZE))
  if (posts.length < POOL_THRESHOLD || WORKER_URL === undefined || workers < 2) {
    await loadRenderLibraries()
    return posts.map((post, index) => {
      const result = renderPost(post)
      options.onRendered?.(index + 1)
      return result
    })
  }
  return renderOnWorkers(posts, workers, WORKER_URL, options.onRendered)
}

interface WorkerReply {
  index: number
  result?: StoredRender
  error?: string
}

async function renderOnWorkers(
  posts: readonly Post[],
  count: number,
  url: URL,
  onRendered: ((done: number) => void) | undefined,
): Promise<RenderResult[]> {
  const results: RenderResult[] = new Array(posts.length)
  let next = 0
  let done = 0
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(url)
      let pending = 0
      const send = () => {
        const batch: { index: number; post: Post }[] = []
        while (batch.length < BATCH_SIZE && next < posts.length) {
          batch.push({ index: next, post: posts[next] as Post })
          next++
        }
        pending = batch.length
        if (batch.length === 0) {
          void worker.terminate().then(() => resolve())
          return
        }
        worker.postMessage(batch)
      }
      worker.on('message', (replies: WorkerReply[]) => {
        for (const reply of replies) {
          if (reply.result === undefined) {
            void worker.terminate()
            reject(new Error(`rendering ${posts[reply.index]?.file} failed on a worker thread: ${reply.error}`))
            return
          }
          results[reply.index] = fromStoredRender(reply.result)
          done++
          pending--
          onRendered?.(done)
        }
        if (pending === 0) send()
      })
      worker.on('error', reject)
      worker.on('exit', (code) => {
        if (next < posts.length || pending > 0)
          reject(new Error(`a rendering worker thread stopped (exit code ${code})`))
      })
      send()
    })
  await Promise.all(Array.from({ length: count }, runWorker))
  return results
}
