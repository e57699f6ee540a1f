"""The chart layer: one builder per chart kind (builders), their look and words (theme), label wrapping (wrapping), offline embedding and SVG/PNG/CSV export
(export), the site's static assets (site_assets), font subsets (fonts, svgfont). Imports src.data and src.base.
"""
