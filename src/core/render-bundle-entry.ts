/**
 * Everything `renderPost` takes from the unified family, in one module.
 * `npm run compile` bundles it, with the some 400 modules behind it, into
 * `lib/core/render-bundle.js` (scripts/bundle.mjs):
 * Node.js loads that one file in about 45 ms, the separate modules in about
 * 200 ms, and a first build of 20 posts or a rendering worker waits for it.
 */
export { find, html as htmlSchema } from 'property-information'
export { default as rehypeRaw } from 'rehype-raw'
export { default as rehypeSanitize, defaultSchema } from 'rehype-sanitize'
export { default as rehypeStringify } from 'rehype-stringify'
export { remark } from 'remark'
export { default as remarkGfm } from 'remark-gfm'
export { default as remarkRehype } from 'remark-rehype'
export { VFile } from 'vfile'
