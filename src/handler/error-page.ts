/**
 * The HTML error page of `send_error`, as CPython 3.14 sends it (with the
 * `color-scheme` style added in 3.14), and the escaping applied to what it
 * shows.
 */

/** CPython's `DEFAULT_ERROR_MESSAGE`: a `%`-format with `code`, `message` and `explain`. */
export const DEFAULT_ERROR_MESSAGE = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <style type="text/css">
            :root {
                color-scheme: light dark;
            }
        </style>
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: %(code)d</p>
        <p>Message: %(message)s.</p>
        <p>Error code explanation: %(code)s - %(explain)s.</p>
    </body>
</html>
`;

/** CPython's `DEFAULT_ERROR_CONTENT_TYPE`. */
export const DEFAULT_ERROR_CONTENT_TYPE = "text/html;charset=utf-8";

const HTML_SPECIAL = /[&<>]/g;
const HTML_ENTITY: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Python's `html.escape(s, quote=False)`. */
export function htmlEscape(s: string): string {
  return s.replace(HTML_SPECIAL, (c) => HTML_ENTITY[c]!);
}
