"""The chart layer: one builder per chart kind (builders), their look and words (theme), label wrapping (wrapping), offline embedding and SVG/PNG/CSV export and
the site's static assets (export), font subsets (fonts, svgfont). Imports src.data and src.base.
"""
