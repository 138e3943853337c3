import { describe, expect, it } from 'vitest';
import { attachmentDisposition, cleanFileName, judgeUpload } from './attachmentTypes.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('judging an upload by its content', () => {
  it.each([
    [{ detectedMime: DOCX, claimedType: DOCX, fileName: 'Letter.DOCX', isUtf8Text: false }, DOCX],
    [{ detectedMime: XLSX, claimedType: 'application/octet-stream', fileName: 'rota.xlsx', isUtf8Text: false }, XLSX],
    [{ detectedMime: 'image/jpeg', claimedType: 'image/jpeg', fileName: 'door.jpeg', isUtf8Text: false }, 'image/jpeg'],
    [{ detectedMime: undefined, claimedType: 'text/plain; charset=utf-8', fileName: 'log.txt', isUtf8Text: true }, 'text/plain; charset=utf-8'],
  ])('accepts %o', (evidence, contentType) => {
    expect(judgeUpload(evidence)).toEqual({ ok: true, contentType });
  });

  it.each([
    [{ detectedMime: 'application/zip', claimedType: DOCX, fileName: 'letter.docx', isUtf8Text: false }, 'typeNotAllowed'],
    [{ detectedMime: 'application/x-msdownload', claimedType: 'application/pdf', fileName: 'report.pdf', isUtf8Text: false }, 'typeNotAllowed'],
    [{ detectedMime: undefined, claimedType: 'application/octet-stream', fileName: 'notes.txt', isUtf8Text: true }, 'typeNotAllowed'],
    [{ detectedMime: undefined, claimedType: 'text/plain', fileName: 'notes.txt', isUtf8Text: false }, 'typeNotAllowed'],
    [{ detectedMime: undefined, claimedType: 'text/html', fileName: 'page.html', isUtf8Text: true }, 'typeNotAllowed'],
    [{ detectedMime: DOCX, claimedType: DOCX, fileName: 'letter.xlsx', isUtf8Text: false }, 'mislabelled'],
    [{ detectedMime: 'image/png', claimedType: 'image/png', fileName: 'photo', isUtf8Text: false }, 'mislabelled'],
    [{ detectedMime: undefined, claimedType: 'text/plain', fileName: 'run.exe', isUtf8Text: true }, 'mislabelled'],
  ])('refuses %o', (evidence, problem) => {
    expect(judgeUpload(evidence)).toEqual({ ok: false, problem });
  });
});

describe('file names', () => {
  it('keeps only the base name, without control characters or quotes', () => {
    expect(cleanFileName('C:\\Users\\ann\\"evil"\r\n.pdf')).toBe('evil.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('  ')).toBe('attachment');
  });

  it('offers an ASCII name and the real one to the browser', () => {
    expect(attachmentDisposition('Plan (v2) – café.pdf')).toBe(`attachment; filename="Plan (v2) _ caf_.pdf"; filename*=UTF-8''Plan%20%28v2%29%20%E2%80%93%20caf%C3%A9.pdf`);
  });
});
