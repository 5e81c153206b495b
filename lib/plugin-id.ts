/** `<owner>.<name>`: how the engine, the portal and output names refer to a plugin. Free of Next imports, so server.ts may use it. */
export function pluginId(owner: string, name: string): string {
  return `${owner}.${name}`;
}
