/** The page that loads the console: no inline script or style, so the CSP can forbid both. */
export function consoleHtml(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>aachat console</title>
    <script type="module" src="/console.js"></script>
  </head>
  <body>
    <aachat-app></aachat-app>
  </body>
</html>
`;
}

/** Scripts only from this origin; the browser may talk to this origin and to the homeserver (login, logout). */
export function contentSecurityPolicy(homeserverUrl: string): string {
  const homeserverOrigin = new URL(homeserverUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${homeserverOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
