// Types of bundles.mjs (plain JavaScript, see there), for TypeScript callers such as tests.

export declare const ROOT: string;
export declare const BUILD_DIR: string;
export type BundleKind = 'cli' | 'server';
export declare const BUNDLES: Record<BundleKind, { entry: string; main: string; packages: 'bundle' | 'external' }>;
export declare class BundleError extends Error {}
export declare function bundleState(kind: BundleKind): { main: string; stale?: undefined } | { main?: undefined; stale: string };
export declare function workerEntryPoints(): string[];
export declare function buildBundle(kind: BundleKind): Promise<string>;
export declare function currentBundle(kind: BundleKind): Promise<string>;
