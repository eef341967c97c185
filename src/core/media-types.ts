/**
 * Registered MIME types by file extension. Guessing `image/<extension>`, as
 * the `feed` package does, gives `image/jpg`, which is not registered: a
 * type we do not know means no enclosure at all.
 */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
}

/** The MIME type of an image path or URL path, or `undefined` when unknown. */
export function imageTypeFor(pathname: string): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(pathname)?.[1]?.toLowerCase()
  return extension === undefined ? undefined : IMAGE_TYPES[extension]
}
