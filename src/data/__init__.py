"""The data layer: reading a data directory safely (files), the package model (package), its validation
(validate), the arithmetic (shares), the figure registry (figures), and the respondent-level engine
(respondents/). Imports only src.base.
"""
