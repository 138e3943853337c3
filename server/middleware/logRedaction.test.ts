import { describe, expect, it } from 'vitest';
import { loggableUrl } from './logRedaction.ts';

describe('request URLs in logs', () => {
  it('hides the secret in invitation, reset and tracking links', () => {
    expect(loggableUrl('/invite/abc123def')).toBe('/invite/[redacted]');
    expect(loggableUrl('/reset-password/s3cr3t?lang=cy')).toBe('/reset-password/[redacted]');
    expect(loggableUrl('/asb-case-review/track/tok_en')).toBe('/asb-case-review/track/[redacted]');
    expect(loggableUrl('/asb-case-review/track/tok_en/appeal')).toBe('/asb-case-review/track/[redacted]/appeal');
  });

  it('drops query strings, which carry what people searched for', () => {
    expect(loggableUrl('/people?name=John+Smith&dateOfBirth-year=1987')).toBe('/people');
    expect(loggableUrl('/cases/123')).toBe('/cases/123');
  });
});
