import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ResolvedConfig } from '../core/config.js'
import { KabarError } from '../errors.js'
import { configKey, readCachedConfig, writeCachedConfig } from './config-cache.js'

/** Looked up in this order in the current folder. */
export const CONFIG_FILE_NAMES = ['kabar.config.mjs', 'kabar.config.js', 'kabar.config.json'] as const

/** Finds the config file: `explicitPath` if given, else the first of {@link CONFIG_FILE_NAMES} in `cwd`. */
export function findConfigFile(cwd: string, explicitPath?: string): string {
  if (explicitPath !== undefined) {
    const configPath = path.resolve(cwd, explicitPath)
    if (!existsSync(configPath)) {
      throw new KabarError('CONFIG_NOT_FOUND', `config file ${configPath} does not exist`, { file: configPath })
    }
    return configPath
  }
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = path.join(cwd, name)
    if (existsSync(candidate)) return candidate
  }
  throw new KabarError(
    'CONFIG_NOT_FOUND',
    `no kabar.config.mjs or kabar.config.json in ${cwd} — create one (see the README's Config section) or pass --config FILE`,
  )
}

/** Reads a config file (JSON, or an ES module whose default export is the config). */
export async function loadRawConfig(configPath: string): Promise<unknown> {
  if (configPath.endsWith('.json')) {
    let text: string
    try {
      text = await readFile(configPath, 'utf8')
    } catch (error) {
      throw new KabarError('CONFIG_UNREADABLE', `cannot read the config: ${(error as Error).message}`, {
        file: configPath,
      })
    }
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new KabarError('CONFIG_INVALID', `the config is not valid JSON: ${(error as Error).message}`, {
        file: configPath,
      })
    }
  }
  try {
    const module = (await import(pathToFileURL(configPath).href)) as { default?: unknown }
    return module.default
  } catch (error) {
    throw moduleLoadError(configPath, (error as Error).message)
  }
}

/** The error for a JavaScript config that failed to load, with a hint for the usual CommonJS mix-up. */
export function moduleLoadError(configPath: string, message: string): KabarError {
  const hint = /require is not defined|Cannot use import statement|Unexpected token 'export'/.test(message)
    ? ' — name it kabar.config.mjs (a .js file is CommonJS when package.json says "type": "commonjs")'
    : ''
  return new KabarError('CONFIG_INVALID', `the config could not be loaded: ${message}${hint}`, { file: configPath })
}

/** Finds, reads and validates the config. */
export async function loadConfig(cwd: string, explicitPath?: string): Promise<ResolvedConfig> {
  const configPath = findConfigFile(cwd, explicitPath)
  // A JSON config unchanged since the last build is taken as it was resolved then (config-cache.ts).
  const key = configPath.endsWith('.json') ? configKey(configPath, await readConfigText(configPath)) : undefined
  const cached = key === undefined ? undefined : readCachedConfig(configPath, key)
  if (cached !== undefined) return cached
  const raw = await loadRawConfig(configPath)
  const { resolveConfig } = await import('../core/config.js')
  const config = resolveConfig(raw, { configPath })
  if (key !== undefined) writeCachedConfig(configPath, key, config)
  return config
}

/** The config file's text, or '' when it cannot be read (loadRawConfig then says why). */
async function readConfigText(configPath: string): Promise<string> {
  return readFile(configPath, 'utf8').catch(() => '')
}
