"""What the chapters call: glue, notes and citations (glue), findings checked against the data
(claims), the audit of the report's numbers (audit), the appendix tables (appendix), where files
live in the site (site_paths). Imports src.charts and below.
"""
