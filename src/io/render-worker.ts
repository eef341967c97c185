import { parentPort } from 'node:worker_threads'
import type { Post } from '../core/post.js'
import { renderPost } from '../core/render.js'
import { loadRenderLibraries } from '../core/render-libraries.js'
import { toStoredRender } from './render-pool.js'

/**
 * A rendering worker thread (see render-pool.ts): receives batches of
 * posts, answers with their renderings. Everything a rendering needs is in
 * the post, so a worker reads no files and holds no config.
 */
await loadRenderLibraries()
parentPort?.on('message', (batch: { index: number; post: Post }[]) => {
  parentPort?.postMessage(
    batch.map(({ index, post }) => {
      try {
        return { index, result: toStoredRender(renderPost(post)) }
      } catch (error) {
        return { index, error: (error as Error).stack ?? String(error) }
      }
    }),
  )
})
