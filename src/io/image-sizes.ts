import type { ImageSizes } from '../core/feed-model.js'
import type { Post } from '../core/post.js'
import { type KabarError, kabarWarning } from '../errors.js'
import { type FileSystem, nodeFileSystem } from './file-system.js'

/**
 * Byte sizes of the local images the shown posts use, for RSS enclosure
 * `length` (the RSS Board asks for the real size). A missing file is a
 * warning: the enclosure then says `length="0"`.
 */
export async function readImageSizes(
  posts: readonly Post[],
  fileSystem: FileSystem = nodeFileSystem,
): Promise<{ sizes: ImageSizes; warnings: KabarError[] }> {
  const sizes = new Map<string, number>()
  const warnings: KabarError[] = []
  for (const post of posts) {
    const localPath = post.image?.localPath
    if (localPath === undefined || sizes.has(localPath)) continue
    const stats = await fileSystem.stat(localPath).catch(() => undefined)
    if (stats?.isFile()) sizes.set(localPath, stats.size)
    else {
      warnings.push(
        kabarWarning(
          'IMAGE_NOT_FOUND',
          `image ${post.image?.url} is not in the public folder, so its enclosure length is unknown — add the file or fix the path`,
          {
            file: post.file,
            field: 'image',
          },
        ),
      )
    }
  }
  return { sizes, warnings }
}
