import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import type { ResolvedConfig } from '../core/config.js'
import type { Post } from '../core/post.js'
import { loadRenderLibraries } from '../core/render-libraries.js'
import { renderForReply, type WorkerReply } from './render-pool.js'
import { scanFile, type TransferredScan, toTransferredScan } from './scan-file.js'

/**
 * A scanning worker thread (see PostStore's parallel scan): reads and
 * normalizes chunks of the post files while the main thread does the same,
 * each taking the next chunk from a shared counter, so the faster one does
 * more and neither waits for the other. Between two chunks it renders the
 * posts the main thread asks for (those the outputs likely show, see
 * likely-shown.ts), then goes on reading.
 */
export interface ScanWorkerData {
  config: ResolvedConfig
  now: number
  mayNeedDates: boolean
  files: [filePath: string, extent: 'head' | 'whole'][]
  chunkSize: number
  /** An Int32Array's buffer: the next chunk to take. */
  nextChunk: SharedArrayBuffer
  /** Where posts to render come from; their renderings go back as a message like the chunks (before `done`). */
  renderPort: MessagePort
}

export type ScanWorkerMessage =
  | { chunk: number; scans: TransferredScan[] }
  | { rendered: WorkerReply[] }
  | { done: true }
/** Posts to render, on `renderPort`; the answer is a `WorkerReply` per post, in order. */
export type ScanWorkerRenderRequest = Post[]

const data = workerData as ScanWorkerData
const nextChunk = new Int32Array(data.nextChunk)
const settings = { config: data.config, now: new Date(data.now), mayNeedDates: data.mayNeedDates }
for (;;) {
  await renderAsked()
  const chunk = Atomics.add(nextChunk, 0, 1)
  const start = chunk * data.chunkSize
  if (start >= data.files.length) break
  const scans = data.files
    .slice(start, start + data.chunkSize)
    .map(([filePath, extent]) => toTransferredScan(scanFile(filePath, extent, settings)))
  parentPort?.postMessage({ chunk, scans } satisfies ScanWorkerMessage)
}
// Asked just before the last chunk ran out: the renderings are still wanted.
await renderAsked()
parentPort?.postMessage({ done: true } satisfies ScanWorkerMessage)

async function renderAsked(): Promise<void> {
  const asked = receiveMessageOnPort(data.renderPort)?.message as ScanWorkerRenderRequest | undefined
  if (asked === undefined) return
  let replies: WorkerReply[]
  try {
    await loadRenderLibraries()
    replies = renderForReply(asked.map((post, index) => ({ index, post })))
  } catch (error) {
    replies = asked.map((_post, index) => ({ index, error: String(error) }))
  }
  parentPort?.postMessage({ rendered: replies } satisfies ScanWorkerMessage)
}
