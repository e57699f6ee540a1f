// Replaced in the published site by the PDF edition's facts when the PDF was printed from
// the same pages (src/build/pdf.py add_to_site); null: no PDF is linked.
window.pdfEdition = null;
