import path from 'node:path'
import type { ResolvedConfig } from '../core/config.js'
import { findChangedIds } from '../core/id-check.js'
import type { Post } from '../core/post.js'
import type { KabarError } from '../errors.js'
import type { FileSystem } from './file-system.js'
import { idManifestHolds, readIdManifest } from './id-manifest.js'

/**
 * Warns about every post whose id differs from the one it was published
 * with: per the deployed feeds with `compare`, else per the id manifest.
 * Warnings, so `--strict` turns a changed id into a failed build.
 */
export async function checkPublishedIds(
  config: ResolvedConfig,
  published: readonly Post[],
  options: { cwd: string; compare?: string | undefined; fileSystem?: FileSystem | undefined },
): Promise<KabarError[]> {
  const projectDir = path.dirname(config.configPath)
  const fileSystem = options.fileSystem === undefined ? {} : { fileSystem: options.fileSystem }
  if (options.compare !== undefined) {
    // Loaded only for --compare: its XML parser is a module a build need not load.
    const { readDeployedIds } = await import('./deployed-ids.js')
    const deployed = await readDeployedIds(options.compare, config, { cwd: options.cwd, ...fileSystem })
    return [
      ...deployed.problems,
      ...findChangedIds(published, deployed.entries, { projectDir, source: `the feeds at ${options.compare}` }),
    ]
  }
  if (config.idManifest === undefined) return []
  // Holding this build's very entries (a rebuild that changed no id, title or date), the manifest tells of no change.
  if (options.fileSystem === undefined && idManifestHolds(config.idManifest, published)) return []
  const manifest = await readIdManifest(config.idManifest, options.fileSystem)
  return [
    ...manifest.problems,
    ...findChangedIds(published, manifest.entries, { projectDir, source: path.basename(config.idManifest) }),
  ]
}
