import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { Notice } from './notice.js';

export const DEFAULT_NOTICE_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

export class NoticeFontMissing extends Error {
  constructor(readonly path: string) {
    super(`CJK font not found: ${path}`);
  }
}

export interface PdfFont {
  /** A TTF/OTF file, or a TTC collection with the face's PostScript name. */
  readonly path: string;
  readonly face?: string | undefined;
}

/** The face of a collection: WenQuanYi Micro Hei's first face unless configured. */
export function fontFace(font: PdfFont): string | undefined {
  if (font.face) return font.face;
  return /\.ttc$/i.test(font.path) ? 'WenQuanYiMicroHei' : undefined;
}

const MM = 72 / 25.4;
const MARGIN = 20 * MM;

/**
 * The notice as an A4 PDF (pdfkit with an embedded CJK font): the same model the
 * browser prints. One page where it fits; otherwise every page is numbered.
 */
export function renderNoticePdf(notice: Notice, font: PdfFont): Promise<Buffer> {
  if (!existsSync(font.path)) return Promise.reject(new NoticeFontMissing(font.path));
  const doc = new PDFDocument({ size: 'A4', margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN }, bufferPages: true, info: { Title: `${notice.title} ${notice.number}`, Author: notice.authority, Subject: notice.matter } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const face = fontFace(font);
  doc.registerFont('cjk', font.path, face as string);
  doc.font('cjk');
  const width = doc.page.width - 2 * MARGIN;
  const para = (text: string, size = 10.5, options: PDFKit.Mixins.TextOptions = {}) => doc.fontSize(size).text(text, { width, lineGap: 2, ...options });
  const heading = (text: string) => {
    doc.moveDown(0.3);
    para(text, 11.5);
    doc.moveDown(0.1);
  };

  para(notice.authority, 15, { align: 'center' });
  para(notice.title, 19, { align: 'center', characterSpacing: 4 });
  doc.moveDown(0.2);
  para(notice.number, 10.5, { align: 'center' });
  doc.moveDown(0.5);
  para(`申请人：${notice.applicant.name}　　公民身份号码：${notice.applicant.id_number}${notice.applicant.phone ? `　　联系电话：${notice.applicant.phone}` : ''}`);
  para(`申请事项：${notice.matter}`);
  doc.moveDown(0.3);
  para(`${notice.applicant.name}：`);
  para(`　　${notice.opening}`);

  if (notice.kind === 'pending') {
    heading('需补正的事项');
    // One paragraph: a long list of items would push the notice onto a second page.
    para(`　　${notice.to_bring.map((t, i) => `${i + 1}. ${t}`).join('；')}。`);
  }
  heading(notice.kind === 'pending' ? '已查明的情况' : '一、查明的事实');
  if (notice.facts.length === 0) para('　　（无）');
  // Two columns when there are many: the facts are short lines, and one page is the aim.
  const factLines = notice.facts.map((f, i) => `${i + 1}. ${f.title}：${f.value}`);
  if (factLines.length > 6) {
    const half = Math.ceil(factLines.length / 2);
    const top = doc.y;
    const colWidth = (width - 8 * MM) / 2;
    doc.fontSize(9.5).text(factLines.slice(0, half).join('\n'), MARGIN + 4 * MM, top, { width: colWidth - 4 * MM, lineGap: 1.5 });
    const leftEnd = doc.y;
    doc.fontSize(9.5).text(factLines.slice(half).join('\n'), MARGIN + 4 * MM + colWidth + 4 * MM, top, { width: colWidth - 4 * MM, lineGap: 1.5 });
    doc.x = MARGIN;
    doc.y = Math.max(leftEnd, doc.y);
  } else {
    factLines.forEach((l) => para(`　　${l}`, 10));
  }

  if (notice.kind !== 'pending') {
    heading('二、决定');
    para(`　　${notice.decision}`);
    if (notice.correction) para(`　　（系统审核结论为“${notice.correction.machine}”，经办人复核后改判为“${notice.correction.corrected}”。改判理由：${notice.correction.reason}）`, 10.5);
    heading(notice.kind === 'refusal' ? '三、不予许可的理由及依据' : '三、理由及依据');
    if (notice.grounds.length === 0) para('　　（无）');
    notice.grounds.forEach((g, i) => {
      para(`　　${i + 1}. ${g.text}`);
      para(`　　　依据${g.cite}${g.clause_text ? `：“${g.clause_text}”` : ''}`, 9.5);
    });
  } else {
    para(`　　${notice.decision}`);
  }
  heading(notice.kind === 'pending' ? '告知' : '四、救济途径');
  para(`　　${notice.appeal}`);

  // Issuer, seal area and date, kept together at the foot of the text.
  const blockHeight = 38 * MM;
  if (doc.y + blockHeight > doc.page.height - MARGIN) doc.addPage();
  doc.moveDown(0.8);
  const top = doc.y;
  const sealSize = 30 * MM;
  const sealX = doc.page.width - MARGIN - sealSize - 10 * MM;
  doc.save().dash(3, { space: 3 }).lineWidth(0.6).strokeColor('#999999').circle(sealX + sealSize / 2, top + sealSize / 2, sealSize / 2).stroke().restore();
  doc.fillColor('#999999').fontSize(9).text('（盖章处）', sealX, top + 4 * MM, { width: sealSize, align: 'center' }).fillColor('black');
  doc.fontSize(12).text(notice.authority, MARGIN, top + sealSize * 0.35, { width: width - 12 * MM, align: 'right' });
  doc.fontSize(12).text(notice.date, MARGIN, top + sealSize * 0.35 + 20, { width: width - 12 * MM, align: 'right' });
  doc.y = top + sealSize + 3 * MM;
  doc.fontSize(9).fillColor('#555555').text(`办件编号：${notice.case_no}　　经办人：${notice.caseworker}`, MARGIN, doc.y, { width }).fillColor('black');

  const range = doc.bufferedPageRange();
  if (range.count > 1) {
    for (let i = 0; i < range.count; i++) {
      doc.switchToPage(range.start + i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.fontSize(9).text(`第 ${i + 1} 页　共 ${range.count} 页`, MARGIN, doc.page.height - bottom / 2, { width, align: 'center' });
      doc.page.margins.bottom = bottom;
    }
  }
  doc.end();
  return done;
}
