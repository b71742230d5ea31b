/** A URL may carry a token (`https://user:TOKEN@host/...`); it must not reach a message or a log. */
export function withoutCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}
