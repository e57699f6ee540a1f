"""The build: command line (cli), the plan and cache of chapter runs (plan), chapter execution (execute),
processes started ahead: kernel and Sphinx templates, early workers (templates), staging, Sphinx and publishing
(publish), published versions (sites), what changed (changes), live preview (preview), the PDF
edition (pdf, pdf_record). The top layer: nothing below imports it.
"""
