import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Post } from '../core/post.js'
import { type RenderResult, renderPost, renderPosts } from '../core/render.js'
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
/** renderMany starts no more workers than this many posts each can have. */
const MIN_POSTS_PER_WORKER = 4

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

/**
 * The worker's script; `undefined` when running from TypeScript sources (tests), where workers cannot
 * load it. Named from `../io/`, so that it is the same file from this module's folder and from the
 * CLI bundle in lib/cli/ (see scripts/bundle.mjs).
 */
const WORKER_URL = import.meta.url.endsWith('.js') ? new URL('../io/render-worker.js', import.meta.url) : undefined

/**
 * The young generation of a worker's heap, in MB. Rendering a post makes
 * megabytes of short-lived objects (events, trees, strings); with V8's
 * default, many live long enough to be promoted and collected again with
 * the old generation. Measured with bench/render-speed.mjs --young on the
 * bench corpus, CPU per post: about 10.7 ms by default and with 32 to 96 MB,
 * 7.1 ms with 128 MB, no less with 192 or 256 MB; peak memory went down.
 */
const YOUNG_GENERATION_MB = 128

export interface RenderManyOptions {
  /** Called after each post is rendered. */
  onRendered?: (done: number) => void
  /** Worker threads at most. Default: the number of cores. */
  maxWorkers?: number
}

/** Renders `posts` in order; results come back in the same order. */
export async function renderMany(posts: readonly Post[], options: RenderManyOptions = {}): Promise<RenderResult[]> {
  const workers = Math.min(options.maxWorkers ?? availableParallelism(), Math.ceil(posts.length / MIN_POSTS_PER_WORKER))
  if (posts.length < POOL_THRESHOLD || WORKER_URL === undefined || workers < 2) {
    return renderHere(posts, options.onRendered)
  }
  const pool = startRenderPool({ workers, maxWorkers: workers, warmUp: false })
  try {
    return await pool.render(posts, options)
  } finally {
    await pool.close()
  }
}

/** Renders `posts` on this thread, loading the Markdown libraries first. */
async function renderHere(posts: readonly Post[], onRendered?: (done: number) => void): Promise<RenderResult[]> {
  await loadRenderLibraries()
  const results = renderPosts(posts)
  for (let done = 1; done <= results.length; done++) onRendered?.(done)
  return results
}

export interface RenderPoolOptions {
  /** Worker threads started now (default 1): they load the libraries and warm up while they wait. */
  workers?: number
  /** Worker threads a large rendering may use, the others started when it comes (default: the number of cores). */
  maxWorkers?: number
  /** Whether the workers started now render a sample post a few times while they wait (default `true`). */
  warmUp?: boolean
}

/**
 * Worker threads that render posts, started before the posts are known: a
 * build starts them before it reads the posts, and by the time it knows
 * which need rendering, the workers have loaded the Markdown libraries and
 * warmed up. Idle workers do not keep the process alive.
 */
export interface RenderPool {
  /** Renders `posts` as {@link renderMany} does, on the pool's workers (on this thread when there are none). */
  render(posts: readonly Post[], options?: { onRendered?: (done: number) => void }): Promise<RenderResult[]>
  /** Stops the workers; a rendering still under way fails. */
  close(): Promise<void>
}

/**
 * Renders a batch on this thread for another one: each post's rendering as
 * plain data, or the error that stopped it, so that the error names the post.
 */
export function renderForReply(batch: readonly { index: number; post: Post }[]): WorkerReply[] {
  try {
    const results = renderPosts(batch.map(({ post }) => post))
    return batch.map(({ index }, position) => ({ index, result: toStoredRender(results[position] as RenderResult) }))
  } catch {
    return batch.map(({ index, post }) => {
      try {
        return { index, result: toStoredRender(renderPost(post)) }
      } catch (error) {
        return { index, error: (error as Error).stack ?? String(error) }
      }
    })
  }
}

/** What a worker gets to start with. */
export interface WorkerStart {
  warmUp: boolean
}

export interface WorkerReply {
  index: number
  result?: StoredRender
  error?: string
}

/**
 * Posts from which a rendering starts the pool's other workers: about a
 * second of work for one worker, of which starting another (a quarter of a
 * second, and a cold compiler) takes a fair share.
 */
const GROW_THRESHOLD = 100

export function startRenderPool(options: RenderPoolOptions = {}): RenderPool {
  const maxWorkers = WORKER_URL === undefined ? 0 : (options.maxWorkers ?? availableParallelism())
  const workers: Worker[] = []
  let job: Job | undefined
  // A pool that failed once stays failed: a batch of the failed job may still be under way.
  let failure: Error | undefined
  let queue: Promise<unknown> = Promise.resolve()
  const fail = (error: Error) => {
    failure ??= error
    job?.fail(error)
  }
  const addWorker = (start: WorkerStart) => {
    const worker = new Worker(WORKER_URL as URL, {
      workerData: start,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    })
    worker.on('message', (replies: WorkerReply[]) => {
      const error = job?.receive(worker, replies)
      if (error !== undefined) fail(error)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`a rendering worker thread stopped (exit code ${code})`)))
    // After the listeners: a `message` listener refs the worker again.
    worker.unref()
    workers.push(worker)
  }
  const warmUp = options.warmUp ?? true
  while (workers.length < Math.min(options.workers ?? 1, maxWorkers)) addWorker({ warmUp })
  /** Renderings asked for and not settled: one runs at a time, the others wait in `queue`. */
  let pending = 0
  return {
    render(posts, renderOptions = {}) {
      const run = (): Promise<RenderResult[]> => {
        if (failure !== undefined) throw failure
        if (posts.length >= GROW_THRESHOLD) while (workers.length < maxWorkers) addWorker({ warmUp: false })
        if (workers.length === 0) return renderHere(posts, renderOptions.onRendered)
        job = new Job(posts, workers, renderOptions.onRendered)
        return job.promise.finally(() => {
          job = undefined
        })
      }
      // With nothing under way the posts go to the workers now, not from a promise callback: a caller
      // that goes on with a long synchronous task (opening the post cache) would hold them back until
      // it is done, and the workers would idle meanwhile.
      let rendered: Promise<RenderResult[]>
      if (pending === 0) {
        try {
          rendered = run()
        } catch (error) {
          rendered = Promise.reject(error)
        }
      } else {
        rendered = queue.then(run)
      }
      pending++
      const settled = () => {
        pending--
      }
      queue = rendered.then(settled, settled)
      return rendered
    },
    async close() {
      fail(new Error('the render pool was closed'))
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}

/** Batches in flight per worker: while it renders one, the next is on its way. */
const BATCHES_IN_FLIGHT = 2
/** Posts in a batch at most: each batch costs a message each way and a time-limited call. */
const MAX_BATCH_SIZE = 16

/** One `render` call on the pool's workers. */
class Job {
  readonly promise: Promise<RenderResult[]>
  readonly #posts: readonly Post[]
  readonly #workers: readonly Worker[]
  readonly #results: RenderResult[]
  readonly #onRendered: ((done: number) => void) | undefined
  readonly #batchSize: number
  #resolve: (results: RenderResult[]) => void = () => undefined
  #reject: (error: Error) => void = () => undefined
  #next = 0
  #done = 0

  constructor(posts: readonly Post[], workers: readonly Worker[], onRendered: ((done: number) => void) | undefined) {
    this.#posts = posts
    this.#workers = workers
    this.#results = new Array(posts.length)
    this.#onRendered = onRendered
    // Smaller batches for fewer posts, so that every worker gets some.
    const batches = workers.length * BATCHES_IN_FLIGHT * 2
    this.#batchSize = Math.max(1, Math.min(MAX_BATCH_SIZE, Math.ceil(posts.length / batches)))
    this.promise = new Promise<RenderResult[]>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    if (posts.length === 0) {
      this.#resolve([])
      return
    }
    for (const worker of workers) {
      // Only while there is work may the workers keep the process alive.
      worker.ref()
      for (let batch = 0; batch < BATCHES_IN_FLIGHT; batch++) this.#send(worker)
    }
  }

  /** Takes a worker's renderings and gives it the next batch; the error when a post could not be rendered. */
  receive(worker: Worker, replies: WorkerReply[]): Error | undefined {
    for (const reply of replies) {
      if (reply.result === undefined) {
        return new Error(`rendering ${this.#posts[reply.index]?.file} failed on a worker thread: ${reply.error}`)
      }
      this.#results[reply.index] = fromStoredRender(reply.result)
      this.#done++
      this.#onRendered?.(this.#done)
    }
    if (this.#done === this.#posts.length) {
      this.#release()
      this.#resolve(this.#results)
    } else {
      this.#send(worker)
    }
    return undefined
  }

  fail(error: Error): void {
    this.#release()
    this.#reject(error)
  }

  #send(worker: Worker): void {
    if (this.#next >= this.#posts.length) return
    const batch: { index: number; post: Post }[] = []
    while (batch.length < this.#batchSize && this.#next < this.#posts.length) {
      batch.push({ index: this.#next, post: this.#posts[this.#next] as Post })
      this.#next++
    }
    worker.postMessage(batch)
  }

  #release(): void {
    for (const worker of this.#workers) worker.unref()
  }
}
