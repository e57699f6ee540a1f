"""The book's Sphinx extensions (listed in _config.yml) and their static files (static/). Imports
src.book and below.
"""
