"""The data layer's engine for response files (issue 26): from one row per respondent to the figure tables.

- :mod:`.safeyaml` — reading ``codebook.yml`` without aliases, deep nesting or surprising scalars.
- :mod:`.codebook` — the codebook: questions, options, filters, bases, attributes (schema ``codebook.schema.json``).
- :mod:`.responses` — reading response files (CSV, .xlsx, .sav, .dta) safely and within limits.
- :mod:`.answers` — checking every answer against the codebook, every problem at once.
- :mod:`.aggregate` — the figure tables (``series,item,level,count,n,percent``) and their comparison.
- :mod:`.disclosure` — breakdowns by an attribute, with primary and complementary suppression.

:func:`.aggregate.load_responses` is the one entry point the build needs: it reads, checks and
aggregates a data directory's responses. Respondent-level rows never leave these modules: the
outputs are tables of counts, and problems name file, row and column but never a cell's content.
"""
