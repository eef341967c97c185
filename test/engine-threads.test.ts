import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../src/build.js'
import { nodeFileSystem } from '../src/io/file-system.js'

/**
 * Worker threads only run from the compiled package (lib/), so this test
 * runs bin/kabar.js on a site of thousands of posts, with dozens of posts
 * to render on worker threads. The reference is the plain path of the
 * source tree.
 */

const run = promisify(execFile)
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'kabar.js')
const FEEDS = ['rss.xml', 'atom.xml', 'feed.json']
let site: string

beforeAll(async () => {
  site = await mkdtemp(path.join(os.tmpdir(), 'kabar-threads-'))
  await mkdir(path.join(site, 'posts', '2024'), { recursive: true })
  for (let index = 0; index < 2100; index++) {
    const minute = String(index % 60).padStart(2, '0')
    const hour = String(Math.floor(index / 60) % 24).padStart(2, '0')
    const day = String((Math.floor(index / 1440) % 28) + 1).padStart(2, '0')
    const text = `---\ntitle: "Pos ${index}"\ndate: 2024-0${(index % 9) + 1}-${day} ${hour}:${minute}\ntags: [t${index % 7}]\n---\n\nIsi **pos** ${index}, dengan [tautan](../pos-${index + 1}/).\n\n- satu\n- dua\n`
    await writeFile(path.join(site, 'posts', '2024', `pos-${index}.md`), text)
  }
  const config = { site: { title: 'Utas', url: 'https://utas.example/', timezone: 'Asia/Jakarta' }, limit: 40 }
  await writeFile(path.join(site, 'kabar.config.json'), JSON.stringify(config))
}, 60_000)
afterAll(async () => {
  await rm(site, { recursive: true, force: true })
})

describe('the compiled engine on thousands of posts', () => {
  it('writes what reading every post on one thread writes, cold and warm', async () => {
    const reference = path.join(site, 'reference')
    const report = await build({ cwd: site, out: reference, cache: false, fileSystem: nodeFileSystem })
    expect(report.errors).toEqual([])
    for (const pass of ['cold', 'warm']) {
      const out = path.join(site, `out-${pass}`)
      await run(process.execPath, [BIN, 'build', '--quiet', '--out', out], { cwd: site })
      for (const name of FEEDS) {
        expect(await readFile(path.join(out, name), 'utf8'), `${pass} ${name}`).toBe(
          await readFile(path.join(reference, name), 'utf8'),
        )
      }
    }
  }, 120_000)
})
