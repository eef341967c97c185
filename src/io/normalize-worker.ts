import { parentPort, workerData } from 'node:worker_threads'
import { CHUNK, type HeadJob, readAndNormalizeHead } from './normalize-pool.js'

/**
 * A worker thread of normalize-pool.ts: takes chunks of posts from the list
 * it shares with the other threads until none are left, and answers with
 * each chunk's results.
 */
const { job, next } = workerData as { job: HeadJob; next: Int32Array }
for (;;) {
  const start = Atomics.add(next, 0, CHUNK)
  if (start >= job.paths.length) break
  const results = []
  for (let index = start; index < Math.min(start + CHUNK, job.paths.length); index++) {
    results.push([index, readAndNormalizeHead(job, index)] as const)
  }
  parentPort?.postMessage(results)
}
parentPort?.postMessage('done')
