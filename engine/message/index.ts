/** The message module's public face: the Heka message model, its codecs and field access. */
export * from './message';
export * from './fields';
export * from './framing';
export * from './time';
export * from './uuid';
export * from './protobuf';
export * from './json';
export { encodeBase64, decodeBase64 } from './base64';
export { readMessageLazily, readMessageField, timestampMillis, LazyMessage } from './lazy-message';
