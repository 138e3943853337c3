import { generateSecret, generateURI, generate, verify } from 'otplib';
import QRCode from 'qrcode';

const PERIOD_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, accountName: string, issuer: string): string {
  return generateURI({ issuer, label: accountName, secret });
}

/** The enrolment QR code as inline SVG (no image request, nothing for the CSP to allow). */
export async function totpQrSvg(uri: string, title: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return svg.replace('<svg ', `<svg role="img" aria-label="${escapeAttribute(title)}" `);
}

export function currentTotp(secret: string): Promise<string> {
  return generate({ secret });
}

/**
 * Checks a code, allowing one step of clock drift either way. Returns the matched time step so
 * the caller can refuse it next time (replay), or undefined when the code is wrong.
 */
export async function matchTotp(secret: string, code: string, afterTimeStep: number | undefined): Promise<number | undefined> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const result = await verify({
    secret,
    token,
    epochTolerance: PERIOD_SECONDS,
    ...(afterTimeStep === undefined ? {} : { afterTimeStep }),
  });
  if (!result.valid) return undefined;
  return (result as { timeStep?: number }).timeStep ?? Math.floor(Date.now() / 1000 / PERIOD_SECONDS) + result.delta;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
