/**
 * `--qr`: a QR code of the URL to open on a phone, printed in the terminal
 * at start (the rich listing shows the same one as SVG, see
 * static/listing.ts).
 *
 * Strategy: the `qrcode` library encodes (error correction M, a margin of
 * two modules); on a terminal it draws with half-block characters and ANSI
 * colours (dark on light, whatever the terminal's theme), into a pipe or
 * file with plain Unicode blocks so the output stays readable there.
 */

/** The QR code of `url` as text for a terminal (`tty`) or for a pipe or file. */
export async function terminalQr(url: string, tty: boolean): Promise<string> {
  const QRCode = (await import("qrcode")).default; // loaded only with --qr
  const text = tty
    ? await QRCode.toString(url, { type: "terminal", small: true, errorCorrectionLevel: "M" })
    : await QRCode.toString(url, { type: "utf8", margin: 2, errorCorrectionLevel: "M" });
  return text.endsWith("\n") ? text : text + "\n";
}
