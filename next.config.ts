import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Native and Wasm-backed server packages stay outside the bundle.
  serverExternalPackages: [
    '@libsql/client',
    'libsql',
    '@prisma/adapter-libsql',
    '@prisma/adapter-pg',
    'pg',
    'oidc-provider',
    'quickjs-emscripten',
    '@jitl/quickjs-wasmfile-release-sync',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
