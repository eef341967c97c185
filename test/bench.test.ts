import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The benchmark at CI size (100 posts), so it never rots: it must run every
 * scenario and write its results. No timing is asserted; a shared CI
 * machine's timings say nothing.
 */

const run = promisify(execFile)
const ROOT = path.resolve(import.meta.dirname, '..')
let temp: string | undefined

afterAll(async () => {
  if (temp !== undefined) await rm(temp, { recursive: true, force: true })
})

describe('npm run bench', () => {
  it('runs every scenario on 100 posts and writes its results', async () => {
    temp = await mkdtemp(path.join(os.tmpdir(), 'kabar-bench-'))
    const out = path.join(temp, 'results.json')
    const { stdout } = await run(process.execPath, ['bench/run.mjs', '--quick', '--out', out], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    })
    expect(stdout).toContain('floor (list + read)')
    const results = JSON.parse(await readFile(out, 'utf8')) as {
      sizes: number[]
      results: { key: string; failed: boolean; runs: number; afterEdit?: { rendered?: number; pages?: number } }[]
    }
    expect(results.sizes).toEqual([100])
    expect(results.results.map((result) => result.key)).toEqual([
      'floor',
      'naive-shown',
      'kabar-cold-20',
      'kabar-warm-20',
      'kabar-cold-all',
      'kabar-warm-all',
      'kabar-warm-archive',
    ])
    for (const result of results.results) {
      expect(result.failed, result.key).toBe(false)
      expect(result.runs, result.key).toBe(3)
    }
    expect(results.results.find((result) => result.key === 'kabar-warm-all')?.afterEdit?.rendered).toBe(1)
    // After one more edit, the one archive page showing the post is written again, nothing else.
    expect(results.results.find((result) => result.key === 'kabar-warm-archive')?.afterEdit?.pages).toBe(1)
  }, 600_000)
})
