/** The message module's public face: the Heka message model, its codecs and field access. */
export * from './message';
export * from './fields';
export * from './framing';
export * from './time';
