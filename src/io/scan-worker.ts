import { parentPort, workerData } from 'node:worker_threads'
import type { ResolvedConfig } from '../core/config.js'
import { scanFile, type TransferredScan, toTransferredScan } from './scan-file.js'

/**
 * A scanning worker thread (see PostStore's parallel scan): reads and
 * normalizes chunks of the post files while the main thread does the same,
 * each taking the next chunk from a shared counter, so the faster one does
 * more and neither waits for the other.
 */
export interface ScanWorkerData {
  config: ResolvedConfig
  now: number
  mayNeedDates: boolean
  files: [filePath: string, extent: 'head' | 'whole'][]
  chunkSize: number
  /** An Int32Array's buffer: the next chunk to take. */
  nextChunk: SharedArrayBuffer
}

export type ScanWorkerMessage = { chunk: number; scans: TransferredScan[] } | { done: true }

const data = workerData as ScanWorkerData
const nextChunk = new Int32Array(data.nextChunk)
const settings = { config: data.config, now: new Date(data.now), mayNeedDates: data.mayNeedDates }
for (;;) {
  const chunk = Atomics.add(nextChunk, 0, 1)
  const start = chunk * data.chunkSize
  if (start >= data.files.length) break
  const scans = data.files
    .slice(start, start + data.chunkSize)
    .map(([filePath, extent]) => toTransferredScan(scanFile(filePath, extent, settings)))
  parentPort?.postMessage({ chunk, scans } satisfies ScanWorkerMessage)
}
parentPort?.postMessage({ done: true } satisfies ScanWorkerMessage)
