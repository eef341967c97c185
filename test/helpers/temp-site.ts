import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { main } from '../../src/cli/main.js'

const ROOT = path.resolve(import.meta.dirname, '../..')

/**
 * A temp copy of the sample site (posts/, public/, kabar.config.json) with
 * only the three core feeds turned on, then `configChanges` applied.
 */
export async function copySampleSite(configChanges: Record<string, unknown> = {}): Promise<string> {
  const site = await mkdtemp(path.join(os.tmpdir(), 'kabar-site-'))
  for (const entry of ['posts', 'public', 'kabar.config.json']) {
    await cp(path.join(ROOT, entry), path.join(site, entry), { recursive: true })
  }
  await useCoreFeedsOnly(site)
  await changeConfig(site, configChanges)
  return site
}

/** Sets top-level config keys (`site` is merged, not replaced). */
export async function changeConfig(site: string, changes: Record<string, unknown>): Promise<void> {
  const configPath = path.join(site, 'kabar.config.json')
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
  for (const [key, value] of Object.entries(changes)) {
    config[key] =
      key === 'site' ? { ...(config.site as object), ...(value as object) } : value === undefined ? undefined : value
  }
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`)
}

/**
 * The sample config without what issue 8 turned on (tag feeds, archive
 * pages, feed.html, feeds.opml, limit 3): for tests about the three core
 * feeds, which should not change when the sample site shows more.
 */
export async function useCoreFeedsOnly(site: string): Promise<void> {
  const configPath = path.join(site, 'kabar.config.json')
  const {
    feeds: _feeds,
    archive: _archive,
    output: _output,
    ...config
  } = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
  await writeFile(configPath, `${JSON.stringify({ ...config, limit: 20 }, null, 2)}\n`)
}

export async function removeSite(site: string): Promise<void> {
  await rm(site, { recursive: true, force: true })
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

/** Runs the CLI in-process in `site` with the clock at 2026-01-01. */
export async function runKabar(site: string, ...argv: string[]) {
  const stdout = new Capture()
  const stderr = new Capture()
  const code = await main(argv, { cwd: site, stdout, stderr, env: {}, now: new Date('2026-01-01T00:00:00Z') })
  return { code, stdout: stdout.text, stderr: stderr.text }
}
