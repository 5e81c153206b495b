/** The Foresight engine's public face. Pure TypeScript: no Next, React or Prisma imports. */
export * from './message/index';
export * from './matcher/index';
