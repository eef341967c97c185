import { MessageChannel, Worker } from 'node:worker_threads'
import type { Post } from '../core/post.js'
import type { RenderResult } from '../core/render.js'
import { fromStoredRender, type WorkerReply } from './render-pool.js'
import type { ScanSettings, TransferredScan } from './scan-file.js'
import type { ScanWorkerData, ScanWorkerMessage, ScanWorkerRenderRequest } from './scan-worker.js'

/**
 * The scanning worker's script; `undefined` when running from TypeScript sources (tests), where workers
 * cannot load it. Named from `../io/`: the same file from here and from the CLI bundle in lib/cli/.
 */
const WORKER_URL = import.meta.url.endsWith('.js') ? new URL('../io/scan-worker.js', import.meta.url) : undefined

/** A scanning worker, seen from the thread that started it. */
export interface ScanWorker {
  /** Takes the next chunk for this thread: a number at or past the chunk count means none is left. */
  takeChunk(): number
  /** Called with each chunk the worker finishes, as its message arrives. */
  onChunk(listener: (chunk: number, scans: readonly TransferredScan[]) => void): void
  /**
   * Has the worker render `posts` between two chunks. Each rendering, or
   * `undefined` for a post whose rendering failed, or for all of them when
   * the worker finished first: the caller renders those itself. Never rejects.
   */
  render(posts: readonly Post[]): Promise<(RenderResult | undefined)[]>
  /** Settles (never rejects) when the worker is done or has failed; it is being terminated then. */
  finished: Promise<void>
}

/**
 * Starts a worker scanning `files` alongside the caller; `undefined` when
 * workers cannot run here or the config cannot cross to one (it is plain
 * data, but a caller's config object might not be).
 */
export function startScanWorker(
  files: readonly [filePath: string, extent: 'head' | 'whole'][],
  settings: ScanSettings,
): ScanWorker | undefined {
  if (WORKER_URL === undefined) return undefined
  const nextChunk = new SharedArrayBuffer(4)
  const counter = new Int32Array(nextChunk)
  const renderChannel = new MessageChannel()
  const data: ScanWorkerData = {
    config: settings.config,
    now: settings.now.getTime(),
    mayNeedDates: settings.mayNeedDates,
    files: files as ScanWorkerData['files'],
    chunkSize: SCAN_CHUNK_SIZE,
    nextChunk,
    renderPort: renderChannel.port2,
  }
  let worker: Worker
  try {
    // V8's default heap: the large young generation of rendering workers (render-pool.ts) made no
    // difference to the few posts this one renders, and added 50 MB of peak memory at 100,000 posts.
    worker = new Worker(WORKER_URL, { workerData: data, transferList: [renderChannel.port2] })
  } catch {
    renderChannel.port1.close()
    return undefined
  }
  /** Renderings asked for and not answered, in the order asked: the worker answers in that order. */
  const asked: ((replies: WorkerReply[] | undefined) => void)[] = []
  let isFinished = false
  let listener: ((chunk: number, scans: readonly TransferredScan[]) => void) | undefined
  const early: [number, TransferredScan[]][] = []
  const finished = new Promise<void>((resolve) => {
    const finish = () => {
      // No chunk is taken any more: the caller does whatever the worker did not hand back.
      Atomics.store(counter, 0, 2 ** 30)
      // The worker answered every request it received before saying it is done, on the same channel.
      isFinished = true
      for (const answer of asked.splice(0)) answer(undefined)
      renderChannel.port1.close()
      // The listener holds the caller's whole scan, bodies of posts read whole included: a worker object
      // outlives the build (Node drops it once the thread has exited), and must not keep it.
      listener = undefined
      early.length = 0
      // Every chunk is in: stopping the thread (10 to 20 ms) need not be waited for.
      worker.unref()
      void worker.terminate()
      resolve()
    }
    worker.on('message', (message: ScanWorkerMessage) => {
      if ('done' in message) finish()
      else if ('rendered' in message) asked.shift()?.(message.rendered)
      else if (listener === undefined) early.push([message.chunk, message.scans])
      else listener(message.chunk, message.scans)
    })
    worker.on('error', finish)
    worker.on('exit', finish)
  })
  return {
    takeChunk: () => Atomics.add(counter, 0, 1),
    render(posts) {
      if (isFinished || posts.length === 0) return Promise.resolve(posts.map(() => undefined))
      return new Promise((resolve) => {
        asked.push((replies) => resolve(posts.map((_post, index) => fromReply(replies?.[index]))))
        renderChannel.port1.postMessage([...posts] satisfies ScanWorkerRenderRequest)
      })
    },
    onChunk(callback) {
      listener = callback
      for (const [chunk, scans] of early.splice(0)) callback(chunk, scans)
    },
    finished,
  }
}

function fromReply(reply: WorkerReply | undefined): RenderResult | undefined {
  return reply?.result === undefined ? undefined : fromStoredRender(reply.result)
}

/** Files a thread takes at a time. */
export const SCAN_CHUNK_SIZE = 64
