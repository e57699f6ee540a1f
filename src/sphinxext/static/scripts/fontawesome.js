/* Replaces the theme's Font Awesome script (1.5 MB), which would redraw each <i class="fa-…">
   icon as inline SVG. The theme's stylesheet already draws the same icons from the
   Font Awesome web font, so the pages need no script for them (src/sphinxext/assets.py). */
