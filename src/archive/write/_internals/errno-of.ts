/** The `code` of a Node system error (`ENOENT`, `EIO`...), or undefined when there is none. */
export function errnoOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}
