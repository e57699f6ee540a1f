"""The lowest layer, used by every other: the repository's root, build errors, hashing, process helpers
(common), and the two editions (i18n).
"""
