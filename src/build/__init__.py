"""The build: command line (cli), chapter execution (execute), staging, Sphinx and publishing
(publish), published versions (sites), what changed (changes), live preview (preview), the PDF
edition (pdf, pdf_record). The top layer: nothing below imports it.
"""
