import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { deserialize, serialize } from 'node:v8'
import type { ResolvedConfig } from '../core/config.js'
import { cacheFolderFor, cacheVersion } from './post-cache.js'

/**
 * The last resolved JSON config, in the post cache's folder. Checking a
 * config means loading zod (a tenth of a second: more than the rest of a
 * build that renders nothing), so a config whose text, path and kabar are
 * those of the last build is taken as it was resolved then.
 */

const CONFIG_FILE = 'config.bin'

interface StoredConfig {
  key: string
  config: ResolvedConfig
}

/** The key of a config: kabar's own version, where the file is, and what it says. */
export function configKey(configPath: string, text: string): string {
  return createHash('sha1').update(`${cacheVersion()}\0${configPath}\0${text}`).digest('base64url')
}

/** The config resolved for `key` by an earlier build, if the cache holds it. */
export function readCachedConfig(configPath: string, key: string): ResolvedConfig | undefined {
  try {
    const stored = deserialize(readFileSync(path.join(cacheFolderFor(configPath), CONFIG_FILE))) as StoredConfig
    return stored.key === key ? stored.config : undefined
  } catch {
    return undefined
  }
}

/** Keeps a resolved config for the next build; never throws. */
export function writeCachedConfig(configPath: string, key: string, config: ResolvedConfig): void {
  try {
    const folder = cacheFolderFor(configPath)
    mkdirSync(folder, { recursive: true })
    const temp = path.join(folder, `.${CONFIG_FILE}-${randomBytes(4).toString('hex')}.tmp`)
    writeFileSync(temp, serialize({ key, config } satisfies StoredConfig))
    renameSync(temp, path.join(folder, CONFIG_FILE))
  } catch {
    // Not writable, or not plain data: the next build checks the config again.
  }
}
