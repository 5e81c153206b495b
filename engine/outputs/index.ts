/** The outputs module's public face: the latest inject_payload value per analysis output. */
export * from './output-store';
export { writeFileAtomic, syncDirectory, removeStaleTemporaries } from './atomic-file';
