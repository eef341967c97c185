import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { describe, expect, it, vi } from 'vitest'
import { makePost } from '../../test/helpers/posts.js'
import type { Post } from '../core/post.js'
import { renderPosts } from '../core/render.js'
import { renderMany, startRenderPool } from './render-pool.js'

/**
 * Worker threads only run from the compiled package (lib/): from the
 * sources, a pool renders on the calling thread, and the tests of real
 * workers import lib/io/render-pool.js.
 */

const run = promisify(execFile)
const COMPILED = path.resolve(import.meta.dirname, '..', '..', 'lib', 'io', 'render-pool.js')
const compiled = existsSync(COMPILED)
  ? ((await import(pathToFileURL(COMPILED).href)) as typeof import('./render-pool.js'))
  : undefined

function post(index: number, body = `Post **${index}** with [a link](../p-${index + 1}/).\n\n- one\n- two\n`): Post {
  const url = `https://x.example/p-${index}/`
  return makePost({ file: `/site/posts/p-${index}.md`, slug: `p-${index}`, title: `P ${index}`, id: url, url, body })
}

const posts = Array.from({ length: 60 }, (_, index) =>
  index === 7 ? post(index, '<iframe src="https://video.example/1"></iframe>') : post(index),
)

describe('startRenderPool from the sources', () => {
  it('renders on this thread, as renderMany does', async () => {
    const pool = startRenderPool()
    const done: number[] = []
    expect(await pool.render(posts, { onRendered: (count) => done.push(count) })).toEqual(renderPosts(posts))
    expect(done).toEqual(posts.map((_, index) => index + 1))
    await pool.close()
  })
})

describe.skipIf(compiled === undefined)('startRenderPool on worker threads', () => {
  const pool = compiled as typeof import('./render-pool.js')

  it('renders in order what this thread renders, one call after another or at once', async () => {
    const started = pool.startRenderPool({ workers: 2 })
    try {
      const done: number[] = []
      expect(await started.render(posts, { onRendered: (count) => done.push(count) })).toEqual(renderPosts(posts))
      expect(done).toEqual(posts.map((_, index) => index + 1))
      const [few, none, many] = await Promise.all([
        started.render(posts.slice(0, 3)),
        started.render([]),
        started.render(posts.slice(10)),
      ])
      expect(few).toEqual(renderPosts(posts.slice(0, 3)))
      expect(none).toEqual([])
      expect(many).toEqual(renderPosts(posts.slice(10)))
    } finally {
      await started.close()
    }
  })

  it('sends the posts to a worker at once when nothing is under way, and queues them when something is', async () => {
    const sent = vi.spyOn(Worker.prototype, 'postMessage')
    const started = pool.startRenderPool({ workers: 1, warmUp: false })
    try {
      // Before this thread yields: a caller busy with a long synchronous task meanwhile leaves the worker working.
      const first = started.render(posts.slice(0, 2))
      const sentForFirst = sent.mock.calls.length
      expect(sentForFirst).toBeGreaterThan(0)
      const second = started.render(posts.slice(2, 4))
      expect(sent).toHaveBeenCalledTimes(sentForFirst)
      expect([...(await first), ...(await second)]).toEqual(renderPosts(posts.slice(0, 4)))
      expect(sent.mock.calls.length).toBeGreaterThan(sentForFirst)
    } finally {
      sent.mockRestore()
      await started.close()
    }
  })

  it('starts its other workers for a large rendering', async () => {
    const many = Array.from({ length: 150 }, (_, index) => post(index))
    const started = pool.startRenderPool({ workers: 1, maxWorkers: 2 })
    try {
      expect(await started.render(many)).toEqual(renderPosts(many))
    } finally {
      await started.close()
    }
  })

  it('fails a rendering under way when closed, and every one after', async () => {
    const started = pool.startRenderPool({ workers: 1 })
    const rendering = started.render(posts)
    await started.close()
    await expect(rendering).rejects.toThrow(/closed/)
    await expect(started.render(posts.slice(0, 1))).rejects.toThrow(/closed/)
  })

  it('renderMany still renders on workers', async () => {
    expect(await pool.renderMany(posts, { maxWorkers: 2 })).toEqual(await renderMany(posts))
  })

  it('does not keep the process alive, idle or after rendering', async () => {
    const script = [
      `const { startRenderPool } = await import(${JSON.stringify(pathToFileURL(COMPILED).href)})`,
      'startRenderPool({ workers: 2 })',
      'const busy = startRenderPool({ workers: 1 })',
      `const results = await busy.render([${JSON.stringify(post(1))}])`,
      'console.log(results[0].html)',
    ].join('\n')
    const folder = await mkdtemp(path.join(os.tmpdir(), 'kabar-pool-'))
    try {
      await writeFile(path.join(folder, 'exits.mjs'), script)
      const started = Date.now()
      const { stdout } = await run(process.execPath, [path.join(folder, 'exits.mjs')], { timeout: 20_000 })
      expect(stdout.trim()).toBe(renderPosts([post(1)])[0]?.html)
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })
})
